import { Inject, Injectable } from '@nestjs/common';
import { RequestContext as OrmRequestContext } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditedField, OperationAuditor, OperationOutcome } from '../common/audit/operation-audit.js';
import { RequestContextStore, type RequestContext } from '../common/context/request-context.js';
import { ErrorCode } from '../common/errors/app-errors.js';
import { AppConfig } from '../config/app-config.js';
import { AuditResult } from './audit-entry.entity.js';
import { AuditLog, type AuditRecord } from './audit-log.service.js';
import { OperationUsageCounter } from './usage/operation-usage.counter.js';

const errorsAt = (outcome: OperationOutcome, field: AuditedField) => outcome.errors.filter((error) => error.path?.[0] === field.responseKey);

/**
 * The automatic part of the audit trail, called by the request transaction for every GraphQL operation: an entry per
 * mutation field that succeeded (in its transaction), an entry per permission refusal (after the rollback, in a
 * transaction of its own), and, at most once per interval, an entry for an API key's reads and for fields masked from
 * an actor. Reads by users are not recorded one by one: usage counts cover them.
 */
@Injectable()
export class OperationAuditService implements OperationAuditor {
  /** When each throttled entry (API-key use, a masked field set) was last recorded by this instance. */
  private readonly lastRecorded = new Map<string, number>();

  constructor(
    private readonly audit: AuditLog,
    private readonly usage: OperationUsageCounter,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async beforeCommit(outcome: OperationOutcome): Promise<void> {
    const ctx = RequestContextStore.current();
    if (!ctx) return;
    this.countUsage(ctx, outcome);
    const records: AuditRecord[] = [];
    if (outcome.kind === 'mutation' && !this.audit.coversOperation(ctx)) {
      for (const field of outcome.fields) {
        const fatal = errorsAt(outcome, field).some((e) => e.extensions?.code !== ErrorCode.FORBIDDEN_FIELD);
        if (!fatal) records.push({ action: field.fieldName, targetType: field.returnType, targetId: field.targetId });
      }
    }
    if (ctx.actor.kind === 'apiKey' && outcome.kind === 'query' && this.due(`key:${ctx.actor.apiKeyId}`)) {
      records.push({ action: 'apiKey.use', targetType: 'ApiKey', targetId: ctx.actor.apiKeyId });
    }
    const masked = [...new Set(outcome.errors.filter((e) => e.extensions?.code === ErrorCode.FORBIDDEN_FIELD).map(fieldNameOf))].sort();
    if (masked.length > 0 && this.due(`masked:${actorKey(ctx)}:${masked.join(',')}`)) {
      records.push({
        action: 'field.read',
        result: AuditResult.DENIED,
        errorCode: ErrorCode.FORBIDDEN_FIELD,
        targetType: masked.join(',').slice(0, 100),
      });
    }
    if (records.length > 0) await this.audit.record(ctx, records);
  }

  async afterRollback(outcome: OperationOutcome): Promise<void> {
    const ctx = RequestContextStore.current();
    const em = OrmRequestContext.getEntityManager() as EntityManager | undefined;
    if (ctx) this.countUsage(ctx, outcome);
    if (!ctx || !em || ctx.actor.kind === 'anonymous') return;
    const refusals = outcome.fields.flatMap((field): AuditRecord[] =>
      errorsAt(outcome, field).some((e) => e.extensions?.code === ErrorCode.FORBIDDEN)
        ? [{ action: field.fieldName, result: AuditResult.DENIED, errorCode: ErrorCode.FORBIDDEN, targetType: field.returnType, targetId: field.targetId }]
        : [],
    );
    if (refusals.length === 0) return;
    await em.begin();
    try {
      await this.audit.record(ctx, refusals, { em });
      await em.commit();
    } catch (error) {
      await em.rollback().catch(() => undefined);
      throw error;
    }
  }

  admitsCompiledRead(): boolean {
    const ctx = RequestContextStore.current();
    return ctx !== undefined && !(ctx.actor.kind === 'apiKey' && this.isDue(`key:${ctx.actor.apiKeyId}`));
  }

  countCompiledRead(outcome: OperationOutcome): void {
    const ctx = RequestContextStore.current();
    if (ctx) this.countUsage(ctx, outcome);
  }

  /** Usage counts per tenant and root field, for every operation that ran, whatever its outcome. */
  private countUsage(ctx: RequestContext, outcome: OperationOutcome): void {
    if (ctx.tenantId)
      this.usage.count(
        ctx.tenantId,
        outcome.kind,
        outcome.fields.map((f) => f.fieldName),
      );
  }

  /** Whether the throttled entry `key` is due; marks it recorded. */
  private due(key: string): boolean {
    if (!this.isDue(key)) return false;
    if (this.lastRecorded.size > 10_000) this.lastRecorded.clear();
    this.lastRecorded.set(key, Date.now());
    return true;
  }

  private isDue(key: string): boolean {
    const last = this.lastRecorded.get(key);
    return last === undefined || Date.now() - last >= this.config.AUDIT_API_KEY_USE_INTERVAL_SECONDS * 1000;
  }
}

function fieldNameOf(error: { path?: readonly (string | number)[] }): string {
  const names = (error.path ?? []).filter((p): p is string => typeof p === 'string');
  return names[names.length - 1] ?? 'unknown';
}

function actorKey(ctx: RequestContext): string {
  switch (ctx.actor.kind) {
    case 'user':
      return `user:${ctx.actor.userId}`;
    case 'apiKey':
      return `key:${ctx.actor.apiKeyId}`;
    case 'system':
      return `system:${ctx.actor.name}`;
    default:
      return 'anonymous';
  }
}
