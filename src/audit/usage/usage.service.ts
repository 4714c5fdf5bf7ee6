import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { QueryResult } from '@mikro-orm/postgresql';
import { AppConfig } from '../../config/app-config.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { badInput, unauthenticated } from '../../common/errors/app-errors.js';
import { ConsentService } from '../../consent/ledger/consent.service.js';
import { ConsentPurpose } from '../../consent/purposes/consent-purpose.js';
import { AuditLog } from '../audit-log.service.js';
import { RetentionJobs } from '../retention.jobs.js';
import { UsageEvent, UsageEventKind } from './usage-event.entity.js';
import type { RecordUsageInput, UsageSummaryArgs } from './usage.inputs.js';
import { UsageRecordedType, UsageSummaryType } from './usage.types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Usage data: events from client apps (with ANALYTICS consent only), and a per-tenant summary for admins. */
@Injectable()
export class UsageService implements OnModuleInit {
  constructor(
    private readonly em: EntityManager,
    private readonly consent: ConsentService,
    private readonly audit: AuditLog,
    private readonly retention: RetentionJobs,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.retention.register(async (em, now) => {
      const cutoff = new Date(now.getTime() - this.config.USAGE_RETENTION_DAYS * DAY_MS);
      const events = await em.execute<QueryResult>(`delete from usage_event where occurred_at < ?`, [cutoff], 'run');
      const counts = await em.execute<QueryResult>(`delete from operation_usage where hour < ?`, [cutoff], 'run');
      return { usageEventsDeleted: events.affectedRows, operationCountsDeleted: counts.affectedRows };
    });
  }

  async record(ctx: TenantContext, input: RecordUsageInput): Promise<UsageRecordedType> {
    if (ctx.actor.kind !== 'user') throw unauthenticated();
    this.audit.skipOperationEntry(ctx);
    const now = Date.now();
    input.events.forEach((event, i) => {
      const age = now - event.occurredAt.getTime();
      if (age > DAY_MS || age < -5 * 60_000) {
        throw badInput('Usage events must have happened within the last 24 hours.', {
          fields: [{ field: `events.${i}.occurredAt`, problems: ['must lie within the last 24 hours'] }],
        });
      }
      if (event.kind !== UsageEventKind.SESSION_END && event.durationMs !== undefined) {
        throw badInput('Only SESSION_END carries a duration.', { fields: [{ field: `events.${i}.durationMs`, problems: ['only for SESSION_END'] }] });
      }
    });
    if (!(await this.consent.hasConsent({ userId: ctx.actor.userId }, ConsentPurpose.ANALYTICS))) {
      return Object.assign(new UsageRecordedType(), { recorded: false, storedEvents: 0 });
    }
    const userId = ctx.actor.userId;
    for (const event of input.events) {
      this.em.create(UsageEvent, {
        userId,
        kind: event.kind,
        name: event.name,
        sessionId: event.sessionId,
        durationMs: event.durationMs,
        occurredAt: event.occurredAt,
      });
    }
    await this.em.flush();
    return Object.assign(new UsageRecordedType(), { recorded: true, storedEvents: input.events.length });
  }

  async summary(ctx: TenantContext, args: UsageSummaryArgs): Promise<UsageSummaryType> {
    const tenantId = ctx.tenantId;
    if (args.to <= args.from || args.to.getTime() - args.from.getTime() > 366 * DAY_MS) {
      throw badInput('`to` must be after `from`, by at most 366 days.', { fields: [{ field: 'to', problems: ['after from, within 366 days'] }] });
    }
    const range = [tenantId, args.from, args.to];
    const inRange = `tenant_id = ? and occurred_at >= ? and occurred_at < ?`;
    const [totals] = await this.em.execute<{ active_users: string; sessions: string; median_ms: number | null }[]>(
      `select count(distinct user_id) as active_users,
              count(distinct session_id) filter (where kind = 'SESSION_START') as sessions,
              percentile_cont(0.5) within group (order by duration_ms) filter (where kind = 'SESSION_END' and duration_ms is not null) as median_ms
         from usage_event where ${inRange}`,
      range,
    );
    const top = (kind: UsageEventKind, limit: number) =>
      this.em.execute<{ name: string; count: string }[]>(
        `select name, count(*) as count from usage_event where ${inRange} and kind = ? group by name order by count(*) desc, name limit ?`,
        [...range, kind, limit],
      );
    const [features, pages, operations] = await Promise.all([
      top(UsageEventKind.FEATURE_USED, 10),
      top(UsageEventKind.PAGE_VIEW, 10),
      this.em.execute<{ operation_type: string; field_name: string; count: string }[]>(
        `select operation_type, field_name, sum(count) as count from operation_usage
          where tenant_id = ? and hour >= date_trunc('hour', ?::timestamptz) and hour < ?
          group by operation_type, field_name order by sum(count) desc, field_name limit 20`,
        range,
      ),
    ]);
    return Object.assign(new UsageSummaryType(), {
      from: args.from,
      to: args.to,
      activeUsers: Number(totals.active_users),
      sessions: Number(totals.sessions),
      medianSessionSeconds: totals.median_ms === null ? null : Number(totals.median_ms) / 1000,
      topFeatures: features.map((r) => ({ name: r.name, count: Number(r.count) })),
      topPages: pages.map((r) => ({ name: r.name, count: Number(r.count) })),
      topOperations: operations.map((r) => ({ operationType: r.operation_type, fieldName: r.field_name, count: Number(r.count) })),
    });
  }
}
