import { badInput } from '../errors/app-errors.js';
import { unstorableTextProblems } from '../validation/storable-text.js';
import { DEFAULT_PAGE_SIZE, type ConnectionArgs } from './connection.args.js';
import { defineDeferred, once } from '../graphql/deferred-field.js';
import { PageInfo, type Page } from './connection.types.js';

export const INVALID_CURSOR = 'The cursor is not valid; use one returned by this list.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A position in a list ordered by (key, id): the key is a time or a number, the id breaks ties. */
export interface KeysetPosition {
  key: string | number;
  id: string;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.key, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): KeysetPosition {
  try {
    const [key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    // The id goes into SQL as a uuid: a forged one must be bad input, not a database error.
    if ((typeof key === 'string' || typeof key === 'number') && typeof id === 'string' && UUID.test(id)) {
      return { key, id };
    }
  } catch {
    // fall through
  }
  throw badInput(INVALID_CURSOR);
}

/** What a keyset query needs to fetch one page: direction, bound, and one row more than the page to see beyond it. */
export interface KeysetRequest {
  backward: boolean;
  limit: number;
  /** Rows strictly after (forward) or before (backward) this position, in the list's order. */
  boundary: KeysetPosition | null;
}

export function keysetRequest(args: ConnectionArgs): KeysetRequest {
  if (args.first !== undefined && args.last !== undefined) throw badInput('Use either first or last, not both.');
  if (args.after !== undefined && args.before !== undefined) throw badInput('Use either after or before, not both.');
  const backward = args.last !== undefined || (args.before !== undefined && args.first === undefined);
  const size = (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE;
  const cursor = backward ? args.before : args.after;
  return { backward, limit: size, boundary: cursor ? decodeCursor(cursor) : null };
}

/**
 * Turns the rows of a keyset query (fetched with limit + 1, in query order) into a page in list order.
 * `position` reads a row's (key, id).
 */
export function toPage<Row, Node>(
  request: KeysetRequest,
  rows: Row[],
  position: (row: Row) => KeysetPosition,
  toNode: (row: Row) => Node,
  count: () => Promise<number>,
): Page<Node> {
  const more = rows.length > request.limit;
  const pageRows = more ? rows.slice(0, request.limit) : rows;
  if (request.backward) pageRows.reverse();
  const edges = pageRows.map((row) => ({ cursor: encodeCursor(position(row)), node: toNode(row) }));
  const pageInfo = Object.assign(new PageInfo(), {
    hasNextPage: request.backward ? request.boundary !== null : more,
    hasPreviousPage: request.backward ? more : request.boundary !== null,
    startCursor: edges.at(0)?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  });
  return defineDeferred({ edges, pageInfo } as Page<Node>, 'totalCount', once(count));
}

/** The list's order: a sort key plus the id as tie-breaker. */
export interface KeysetOrder {
  /** The entity property holding the sort key. */
  field: string;
  descending: boolean;
  /** Turns a cursor's key back into a query value (e.g. an ISO string into a Date). */
  parseKey?: (key: string | number) => unknown;
}

type Direction = 'asc' | 'desc';

/** The where-condition and order-by of one keyset page, for MikroORM. */
export function keysetQuery(order: KeysetOrder, request: KeysetRequest) {
  const descending = order.descending !== request.backward;
  const direction: Direction = descending ? 'desc' : 'asc';
  const orderBy = { [order.field]: direction, id: direction };
  if (!request.boundary) return { where: {}, orderBy };
  const op = descending ? '$lt' : '$gt';
  const key = order.parseKey ? order.parseKey(request.boundary.key) : request.boundary.key;
  const where = {
    $or: [{ [order.field]: { [op]: key } }, { [order.field]: key, id: { [op]: request.boundary.id } }],
  };
  return { where, orderBy };
}

/** A time from a cursor, within the years PostgreSQL's timestamptz holds (a forged one must not be a 500). */
export const parseDateKey = (key: string | number): Date => {
  const date = typeof key === 'string' ? new Date(key) : new Date(Number.NaN);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) throw badInput(INVALID_CURSOR);
  return date;
};

/** A text sort key from a cursor: anything but storable text (no NUL, no lone surrogate) is forged or from another sort. */
export const parseTextKey = (key: string | number): string => {
  if (typeof key !== 'string' || unstorableTextProblems(key).length > 0) throw badInput(INVALID_CURSOR);
  return key;
};
