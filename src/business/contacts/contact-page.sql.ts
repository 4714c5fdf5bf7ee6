import type { TenantContext } from '../../common/context/request-context.js';
import { badInput } from '../../common/errors/app-errors.js';
import { INVALID_CURSOR, keysetRequest, parseDateKey, parseTextKey } from '../../common/pagination/keyset.js';
import { SortDirection } from '../../common/pagination/sort-direction.js';
import type { PageQuery } from '../../database/read-model/connection-sql.js';
import { isoTime } from '../../database/read-model/read-model.js';
import { likePattern } from '../../database/like-pattern.js';
import { SqlConditions } from '../../database/sql-conditions.js';
import { boundTenant, type TenantNaming } from '../../database/tenant-sql.js';
import { ContactSortField, type ContactsArgs } from './contact.inputs.js';

/** The name sort's cursor key, `["last","first"]` as one JSON string: read back into its two names. */
export function parseNameKey(key: string | number): [string, string] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(parseTextKey(key));
  } catch {
    throw badInput(INVALID_CURSOR);
  }
  if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
    return [parseTextKey(parsed[0]), parseTextKey(parsed[1])];
  }
  throw badInput(INVALID_CURSOR);
}

/**
 * One page of contacts for the compiled read path: the same filter, order and cursors as ContactService.list, whose
 * answers test/read-path.e2e-spec.ts compares with these.
 */
export function contactPageQuery(ctx: TenantContext, args: ContactsArgs, tenant: TenantNaming = boundTenant(ctx)): PageQuery {
  const request = keysetRequest(args);
  const byName = args.sort?.field === ContactSortField.NAME;
  const descending = (args.sort?.direction ?? (byName ? SortDirection.ASC : SortDirection.DESC)) === SortDirection.DESC;
  const filter = new SqlConditions().addFragment(tenant(['c']));
  if (args.filter?.clientId) filter.add('c.client_id = ?::uuid', args.filter.clientId);
  // Every word must match the first or the last name, so "ada love" finds Ada Lovelace.
  for (const word of args.filter?.search?.split(/\s+/).filter(Boolean) ?? []) {
    const pattern = likePattern(word);
    filter.add('(c.first_name ilike ? or c.last_name ilike ?)', pattern, pattern);
  }
  const where = filter.copy();
  const fetchDescending = descending !== request.backward;
  const op = fetchDescending ? '<' : '>';
  if (request.boundary && byName) {
    const [last, first] = parseNameKey(request.boundary.key);
    where.add(`(c.last_name, c.first_name, c.id) ${op} (?, ?, ?::uuid)`, last, first, request.boundary.id);
  } else if (request.boundary) {
    where.add(`(c.created_at, c.id) ${op} (?::timestamptz, ?::uuid)`, parseDateKey(request.boundary.key).toISOString(), request.boundary.id);
  }
  return {
    from: 'contact c',
    alias: 'c',
    where,
    countWhere: filter,
    sortColumns: byName ? ['last_name', 'first_name'] : ['created_at'],
    keySql: byName ? `'[' || to_json(c.last_name)::text || ',' || to_json(c.first_name)::text || ']'` : isoTime('c.created_at'),
    fetchDescending,
    request,
  };
}
