import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import { SESSION_TENANT } from '../../database/tenant-sql.js';

/**
 * The `order_feed_mark` trigger's body (see Order and OrderFeedMark): bookmarks the change feed for the tenant of the
 * transaction that writes; writes without a tenant (migrations, the benchmark's seed) record none. The snapshot of
 * this one statement gives both columns.
 */
export const ORDER_FEED_MARK_TRIGGER = `insert into order_feed_mark (id, created_at, updated_at, tenant_id, change_xid, updated_up_to)
        select gen_random_uuid(), now(), now(), t.tenant_id, t.horizon, m.updated_up_to
        from (select ${SESSION_TENANT} as tenant_id,
                     pg_snapshot_xmin(pg_current_snapshot()) as horizon) t
        cross join lateral (select max(o.updated_at) as updated_up_to from "order" o
                            where o.tenant_id = t.tenant_id and o.change_xid < t.horizon) m
        where m.updated_up_to is not null
          and not exists (select from order_feed_mark l where l.tenant_id = t.tenant_id and l.created_at > now() - interval '1 minute');
        return null;`;

/** Keeps, of the marks older than a day, each tenant's last mark of each day; returns how many went. */
export async function thinOrderFeedMarks(em: EntityManager, now: Date): Promise<number> {
  const result = await em.execute<QueryResult>(
    `delete from order_feed_mark m
      where m.created_at < ?::timestamptz - interval '1 day'
        and exists (select 1 from order_feed_mark n
                     where n.tenant_id = m.tenant_id
                       and n.created_at >= date_trunc('day', m.created_at)
                       and n.created_at < date_trunc('day', m.created_at) + interval '1 day'
                       and (n.created_at, n.id) > (m.created_at, m.id))`,
    [now],
    'run',
  );
  return result.affectedRows;
}
