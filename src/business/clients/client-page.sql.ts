import type { TenantContext } from '../../common/context/request-context.js';
import { keysetRequest, parseDateKey, parseTextKey } from '../../common/pagination/keyset.js';
import { SortDirection } from '../../common/pagination/sort-direction.js';
import type { PageQuery } from '../../database/read-model/connection-sql.js';
import { isoTime } from '../../database/read-model/read-model.js';
import { likePattern } from '../../database/like-pattern.js';
import { SqlConditions } from '../../database/sql-conditions.js';
import { boundTenant, type TenantNaming } from '../../database/tenant-sql.js';
import { ClientArchiveFilter, ClientSortField, type ClientsArgs } from './client.inputs.js';

/** Each sort: its column, its cursor key as SQL (the key ClientService.list writes), and how a cursor's key is read. */
const SORTS: Record<ClientSortField, { column: string; keySql: string; cast: string; parseKey: (key: string | number) => string; ascending: boolean }> = {
  [ClientSortField.NAME]: { column: 'name', keySql: 'c.name', cast: 'text', parseKey: parseTextKey, ascending: true },
  [ClientSortField.CREATED_AT]: {
    column: 'created_at',
    keySql: isoTime('c.created_at'),
    cast: 'timestamptz',
    parseKey: (key) => parseDateKey(key).toISOString(),
    ascending: false,
  },
  [ClientSortField.UPDATED_AT]: {
    column: 'updated_at',
    keySql: isoTime('c.updated_at'),
    cast: 'timestamptz',
    parseKey: (key) => parseDateKey(key).toISOString(),
    ascending: false,
  },
};

/**
 * One page of clients for the compiled read path: the same filter, order and cursors as ClientService.list, whose
 * answers test/read-path.e2e-spec.ts compares with these.
 */
export function clientPageQuery(ctx: TenantContext, args: ClientsArgs, tenant: TenantNaming = boundTenant(ctx)): PageQuery {
  const request = keysetRequest(args);
  const sort = SORTS[args.sort?.field ?? ClientSortField.CREATED_AT];
  const descending = (args.sort?.direction ?? (sort.ascending ? SortDirection.ASC : SortDirection.DESC)) === SortDirection.DESC;
  const filter = new SqlConditions().addFragment(tenant(['c']));
  const archived = args.filter?.archived ?? ClientArchiveFilter.EXCLUDE;
  if (archived === ClientArchiveFilter.EXCLUDE) filter.add('c.archived_at is null');
  if (archived === ClientArchiveFilter.ONLY) filter.add('c.archived_at is not null');
  if (args.filter?.search) filter.add('c.name ilike ?', likePattern(args.filter.search));
  if (args.filter?.ownerUserId) filter.add('c.owner_user_id = ?::uuid', args.filter.ownerUserId);
  if (args.filter?.tag) filter.add('? = any(c.tags)', args.filter.tag);
  const where = filter.copy();
  const fetchDescending = descending !== request.backward;
  if (request.boundary) {
    where.add(`(c.${sort.column}, c.id) ${fetchDescending ? '<' : '>'} (?::${sort.cast}, ?::uuid)`, sort.parseKey(request.boundary.key), request.boundary.id);
  }
  return {
    from: 'client c',
    alias: 'c',
    where,
    countWhere: filter,
    sortColumns: [sort.column],
    keySql: sort.keySql,
    fetchDescending,
    request,
  };
}
