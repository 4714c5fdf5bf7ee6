import type { EntityClass, EntityManager } from '@mikro-orm/core';
import { PostalAddress, type PostalAddressInput } from '../../common/address/postal-address.js';
import { badInput } from '../../common/errors/app-errors.js';
import type { ConnectionArgs } from '../../common/pagination/connection.args.js';
import type { Page } from '../../common/pagination/connection.types.js';
import { keysetRequest, type KeysetRequest } from '../../common/pagination/keyset.js';
import type { Order } from '../orders/order.entity.js';

/** Small pieces shared by the client and contact services (lists and partial updates). */

export const INVALID_CURSOR = 'The cursor is not valid; use one returned by this list.';

/** Escapes LIKE wildcards (and the escape character itself), so a search for "50%" means exactly that. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Makes `key` a getter that starts `compute` when read. Nest's field resolver (like graphql-js's) reads the property,
 * so the work happens only when the field is selected, and a promise is a valid field value.
 */
export function defineDeferred<T extends object>(target: T, key: keyof T & string, compute: () => Promise<unknown>): T {
  Object.defineProperty(target, key, { get: compute, enumerable: true, configurable: true });
  return target;
}

/** A connection page whose totalCount is counted only when the field is selected (see defineDeferred). */
export type LazyPage<T> = Omit<Page<T>, 'totalCount'> & { readonly totalCount: Promise<number> };

export function withDeferredCount<T>(page: Page<T>, count: () => Promise<number>): LazyPage<T> {
  const { edges, pageInfo } = page;
  return defineDeferred({ edges, pageInfo } as LazyPage<T>, 'totalCount', once(count));
}

/** Runs `load` at most once, on first use. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= load());
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** keysetRequest, plus a strict check of the cursor's id, which goes into SQL as a uuid (a bad one must not be a 500). */
export function pageRequest(args: ConnectionArgs): KeysetRequest {
  const request = keysetRequest(args);
  if (request.boundary && !UUID.test(request.boundary.id)) throw badInput(INVALID_CURSOR);
  return request;
}

/** A text sort key from a cursor: anything but a string (or a NUL in it) is a forged cursor or one from another sort. */
export const parseTextKey = (key: string | number): string => {
  if (typeof key !== 'string' || key.includes('\u0000')) throw badInput(INVALID_CURSOR);
  return key;
};

/** A time sort key from a cursor, within the years PostgreSQL's timestamptz holds (a forged one must not be a 500). */
export const parseTimeKey = (key: string | number): Date => {
  const time = typeof key === 'string' ? new Date(key) : new Date(Number.NaN);
  const year = time.getUTCFullYear();
  if (Number.isNaN(time.getTime()) || year < 1 || year > 9999) throw badInput(INVALID_CURSOR);
  return time;
};

const NUL_PROBLEM = (field: string) => `${field} must not contain NUL characters`;

function nulFields(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path] : [];
  if (Array.isArray(value)) return value.some((item) => nulFields(item, path).length > 0) ? [path] : [];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => nulFields(item, path ? `${path}.${key}` : key));
  }
  return [];
}

/**
 * PostgreSQL text cannot hold NUL (U+0000), and a statement carrying one fails as an internal error. Refuses such
 * input first, naming the fields the way the validation pipe does.
 */
export function assertNoNulCharacters(input: object | undefined): void {
  const fields = input ? nulFields(input, '') : [];
  if (fields.length === 0) return;
  throw badInput(`Invalid input. ${fields.map((field) => `${field}: ${NUL_PROBLEM(field)}`).join(' | ')}`, {
    fields: fields.map((field) => ({ field, problems: [NUL_PROBLEM(field)] })),
  });
}

/** An address from its input, null meaning none; only the parts given are set. */
export function addressFrom(input: PostalAddressInput | null | undefined): PostalAddress {
  const address = new PostalAddress();
  if (!input) return address;
  for (const key of ['line1', 'line2', 'city', 'region', 'postalCode', 'country'] as const) {
    const value = input[key];
    if (typeof value === 'string' && value !== '') address[key] = value;
  }
  return address;
}

/** An optional text from its input: null (or blank, which the inputs turn into null) means unset. */
export const optional = (value: string | null | undefined): string | undefined => value ?? undefined;

/**
 * The Order entity class, found by name. Importing order.entity.ts at load time from here would evaluate it before
 * order-line.entity.ts, which it imports and which imports it back: order-line's decorators would then read `Order`
 * before it exists (a crash under the test compiler).
 */
export function orderEntity(em: EntityManager): EntityClass<Order> {
  return em.getMetadata().getByClassName<Order>('Order').class;
}
