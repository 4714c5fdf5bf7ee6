import { memberRef } from '../../accounts/index.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { keysetRequest, parseDateKey } from '../../common/pagination/keyset.js';
import { SortDirection } from '../../common/pagination/sort-direction.js';
import type { PageQuery } from '../../database/read-model/connection-sql.js';
import { isoTime, read, type ObjectReadModel } from '../../database/read-model/read-model.js';
import { SqlConditions } from '../../database/sql-conditions.js';
import { boundTenant, type TenantNaming } from '../../database/tenant-sql.js';
import { CommunicationSortField, type CommunicationsArgs } from './communication.inputs.js';

/** How a communication reads in SQL, for the compiled read path. */
export const COMMUNICATION_READ_MODEL: ObjectReadModel = {
  type: 'Communication',
  fields: {
    id: read.column('id'),
    clientId: read.column('client_id'),
    contactId: read.column('contact_id'),
    channel: read.column('channel'),
    direction: read.column('direction'),
    subject: read.column('subject'),
    body: read.column('body'),
    occurredAt: read.time('occurred_at'),
    marketing: read.column('marketing'),
    authorUserId: read.column('author_user_id'),
    author: memberRef('author_user_id'),
    createdAt: read.time('created_at'),
    updatedAt: read.time('updated_at'),
  },
};

const SORT_COLUMN = { [CommunicationSortField.OCCURRED_AT]: 'occurred_at', [CommunicationSortField.CREATED_AT]: 'created_at' } as const;

/**
 * One page of communications for the compiled read path: the same filter, order and cursors as
 * CommunicationService.list, whose answers test/read-path.e2e-spec.ts compares with these.
 */
export function communicationPageQuery(ctx: TenantContext, args: CommunicationsArgs, tenant: TenantNaming = boundTenant(ctx)): PageQuery {
  const request = keysetRequest(args);
  const column = SORT_COLUMN[args.sort?.field ?? CommunicationSortField.OCCURRED_AT];
  const descending = (args.sort?.direction ?? SortDirection.DESC) === SortDirection.DESC;
  const filter = new SqlConditions().addFragment(tenant(['m']));
  const given = args.filter;
  if (given?.clientId) filter.add('m.client_id = ?::uuid', given.clientId);
  if (given?.contactId) filter.add('m.contact_id = ?::uuid', given.contactId);
  if (given?.channel) filter.add('m.channel = ?::communication_channel', given.channel);
  if (given?.direction) filter.add('m.direction = ?::communication_direction', given.direction);
  if (typeof given?.marketing === 'boolean') filter.add('m.marketing = ?::boolean', given.marketing);
  if (given?.occurredAfter) filter.add('m.occurred_at >= ?::timestamptz', given.occurredAfter);
  if (given?.occurredBefore) filter.add('m.occurred_at < ?::timestamptz', given.occurredBefore);
  const where = filter.copy();
  const fetchDescending = descending !== request.backward;
  if (request.boundary) {
    where.add(
      `(m.${column}, m.id) ${fetchDescending ? '<' : '>'} (?::timestamptz, ?::uuid)`,
      parseDateKey(request.boundary.key).toISOString(),
      request.boundary.id,
    );
  }
  return {
    from: 'communication m',
    alias: 'm',
    where,
    countWhere: filter,
    sortColumns: [column],
    keySql: isoTime(`m.${column}`),
    fetchDescending,
    request,
  };
}
