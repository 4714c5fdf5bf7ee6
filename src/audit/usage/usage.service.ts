import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AppConfig } from '../../config/app-config.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { badInput, unauthenticated } from '../../common/errors/app-errors.js';
import { ConsentPurpose, ConsentService } from '../../consent/index.js';
import { AuditLog } from '../audit-log.service.js';
import { RetentionJobs } from '../retention.jobs.js';
import { UsageEvent, UsageEventKind } from './usage-event.entity.js';
import { deleteUsageBefore, usageInRange } from './usage.sql.js';
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
      const deleted = await deleteUsageBefore(em, cutoff);
      return { usageEventsDeleted: deleted.events, operationCountsDeleted: deleted.counts };
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
    if (args.to <= args.from || args.to.getTime() - args.from.getTime() > 366 * DAY_MS) {
      throw badInput('`to` must be after `from`, by at most 366 days.', { fields: [{ field: 'to', problems: ['after from, within 366 days'] }] });
    }
    const { totals, features, pages, operations } = await usageInRange(this.em, ctx, args.from, args.to);
    return Object.assign(new UsageSummaryType(), {
      from: args.from,
      to: args.to,
      activeUsers: Number(totals.active_users),
      sessions: Number(totals.sessions),
      medianSessionSeconds: totals.median_ms === null ? null : totals.median_ms / 1000,
      topFeatures: features.map((r) => ({ name: r.name, count: Number(r.count) })),
      topPages: pages.map((r) => ({ name: r.name, count: Number(r.count) })),
      topOperations: operations.map((r) => ({ operationType: r.operation_type, fieldName: r.field_name, count: Number(r.count) })),
    });
  }
}
