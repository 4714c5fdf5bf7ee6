import { badInput } from '../../common/errors/app-errors.js';
import type { ConnectionArgs } from '../../common/pagination/connection.args.js';
import type { Page } from '../../common/pagination/connection.types.js';
import { keysetRequest, type KeysetRequest } from '../../common/pagination/keyset.js';

const INVALID_CURSOR = 'The cursor is not valid; use one returned by this list.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Makes `key` a getter that starts `compute` when read. Nest's field resolver reads `root[field]` without calling
 * functions, so a getter is what defers work until the field is selected; a promise is a valid field value.
 */
export function defineDeferred<T extends object, K extends keyof T & string>(target: T, key: K, compute: () => T[K]): T {
  Object.defineProperty(target, key, { get: compute, enumerable: true, configurable: true });
  return target;
}

/** A connection page whose totalCount is counted only when selected, at most once. */
export type DeferredPage<T> = Omit<Page<T>, 'totalCount'> & { readonly totalCount: Promise<number> };

export function deferredPage<T>(page: Page<T>): DeferredPage<T> {
  let count: Promise<number> | undefined;
  return defineDeferred({ edges: page.edges, pageInfo: page.pageInfo } as DeferredPage<T>, 'totalCount', () => (count ??= page.totalCount()));
}

/** keysetRequest, plus a strict check of the cursor's id, which goes into SQL as a uuid (a forged one must not be a 500). */
export function pageRequest(args: ConnectionArgs): KeysetRequest {
  const request = keysetRequest(args);
  if (request.boundary && !UUID.test(request.boundary.id)) throw badInput(INVALID_CURSOR);
  return request;
}

/** A time from a cursor, within what PostgreSQL's timestamptz holds (a forged far-past key must not be a 500). */
export function parseCursorTime(key: string | number): Date {
  const time = typeof key === 'string' ? new Date(key) : new Date(Number.NaN);
  const year = time.getUTCFullYear();
  if (Number.isNaN(time.getTime()) || year < 1 || year > 9999) throw badInput(INVALID_CURSOR);
  return time;
}
