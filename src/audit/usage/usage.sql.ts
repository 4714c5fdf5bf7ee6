import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import type { TenantContext } from '../../common/context/request-context.js';
import { tenantScoped } from '../../database/tenant-sql.js';
import { UsageEventKind } from './usage-event.entity.js';

export interface UsageTotals {
  active_users: string;
  sessions: string;
  median_ms: number | null;
}

/** The tenant's usage in [from, to): totals, the top features and pages, and the operations counted by the API. */
export async function usageInRange(em: EntityManager, ctx: TenantContext, from: Date, to: Date) {
  const tenant = tenantScoped(ctx);
  const range = [...tenant.params, from, to];
  const inRange = `${tenant.sql} and occurred_at >= ? and occurred_at < ?`;
  const [totals] = await em.execute<UsageTotals[]>(
    `select count(distinct user_id) as active_users,
            count(distinct session_id) filter (where kind = 'SESSION_START') as sessions,
            percentile_cont(0.5) within group (order by duration_ms) filter (where kind = 'SESSION_END' and duration_ms is not null) as median_ms
       from usage_event where ${inRange}`,
    range,
  );
  const top = (kind: UsageEventKind, limit: number) =>
    em.execute<{ name: string; count: string }[]>(
      `select name, count(*) as count from usage_event where ${inRange} and kind = ? group by name order by count(*) desc, name limit ?`,
      [...range, kind, limit],
    );
  const [features, pages, operations] = await Promise.all([
    top(UsageEventKind.FEATURE_USED, 10),
    top(UsageEventKind.PAGE_VIEW, 10),
    em.execute<{ operation_type: string; field_name: string; count: string }[]>(
      `select operation_type, field_name, sum(count) as count from operation_usage
        where ${tenant.sql} and hour >= date_trunc('hour', ?::timestamptz) and hour < ?
        group by operation_type, field_name order by sum(count) desc, field_name limit 20`,
      range,
    ),
  ]);
  return { totals, features, pages, operations };
}

/** Retention: deletes usage events and operation counts older than `cutoff`, in every tenant (crm_maintenance). */
export async function deleteUsageBefore(em: EntityManager, cutoff: Date): Promise<{ events: number; counts: number }> {
  const events = await em.execute<QueryResult>(`delete from usage_event where occurred_at < ?`, [cutoff], 'run');
  const counts = await em.execute<QueryResult>(`delete from operation_usage where hour < ?`, [cutoff], 'run');
  return { events: events.affectedRows, counts: counts.affectedRows };
}
