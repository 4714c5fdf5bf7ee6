import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../common/context/request-context.js';
import { setSessionTenant } from '../database/tenant-session.js';
import { AuditActorType, AuditResult, PLATFORM_CHAIN } from './audit-entry.entity.js';
import { entryHash, newPersonalSalt, personalDigest, type PersonalFields, type SealedFields } from './audit-chain.js';
import { deviceOf } from './user-agent-device.js';
import { appendEntries, lockChainHead } from './audit-log.sql.js';
import { v7 as uuidv7 } from 'uuid';

/** What a caller records; who, where from and when come from the request context. */
export interface AuditRecord {
  action: string;
  result?: AuditResult;
  targetType?: string | null;
  targetId?: string | null;
  errorCode?: string | null;
  /** The tenant whose trail gets the entry; by default the context's (the platform's when it has none). */
  tenantId?: string | null;
  /** The user who acted, when the context does not know yet (a log-in). */
  actorUserId?: string;
}

interface SealedEntry extends SealedFields, PersonalFields {
  personalSalt: string;
  personalDigest: string;
  prevHash: string;
  hash: string;
}

/** An entry's values in the column order of `appendEntries`. */
const valuesOf = (e: SealedEntry): unknown[] => [
  e.id,
  e.tenantId,
  e.chainKey,
  e.chainSeq,
  e.occurredAt,
  e.actorType,
  e.actorUserId,
  e.actorApiKeyId,
  e.actorName,
  e.action,
  e.targetType,
  e.targetId,
  e.result,
  e.errorCode,
  e.requestId,
  e.ip,
  e.userAgent,
  e.browser,
  e.os,
  e.deviceType,
  e.personalSalt,
  e.personalDigest,
  e.prevHash,
  e.hash,
];

function actorOf(ctx: RequestContext, record: AuditRecord): Pick<SealedFields, 'actorType' | 'actorUserId' | 'actorApiKeyId' | 'actorName'> {
  const none = { actorUserId: null, actorApiKeyId: null, actorName: null };
  if (record.actorUserId) return { ...none, actorType: AuditActorType.USER, actorUserId: record.actorUserId };
  const actor = ctx.actor;
  switch (actor.kind) {
    case 'user':
      return { ...none, actorType: actor.platformRole ? AuditActorType.STAFF : AuditActorType.USER, actorUserId: actor.userId };
    case 'apiKey':
      return { ...none, actorType: AuditActorType.API_KEY, actorApiKeyId: actor.apiKeyId };
    case 'system':
      return { ...none, actorType: AuditActorType.SYSTEM, actorName: actor.name };
    default:
      return { ...none, actorType: AuditActorType.ANONYMOUS };
  }
}

/**
 * Appends to the hash-chained audit trail, in the caller's transaction: a change and its entry commit or roll back
 * together. Each chain (a tenant's, or the platform's) is extended under a lock on its head row, so concurrent
 * requests of one tenant get consecutive positions; the lock is held from the append to the commit, which is why
 * operations append last.
 */
@Injectable()
export class AuditLog {
  private readonly explicit = new WeakSet<RequestContext>();

  constructor(private readonly em: EntityManager) {}

  /** Records entries in the current transaction. `coversOperation` stands in for the automatic per-mutation entry. */
  async record(ctx: RequestContext, records: AuditRecord[], options: { coversOperation?: boolean; em?: EntityManager } = {}): Promise<void> {
    if (options.coversOperation) this.explicit.add(ctx);
    const em = options.em ?? this.em;
    const byChain = new Map<string, AuditRecord[]>();
    for (const record of records) {
      const tenantId = record.tenantId === undefined ? ctx.tenantId : record.tenantId;
      const key = tenantId ?? PLATFORM_CHAIN;
      byChain.set(key, [...(byChain.get(key) ?? []), { ...record, tenantId }]);
    }
    // A fixed lock order, so that two requests appending to the same chains can not deadlock.
    for (const chainKey of [...byChain.keys()].sort()) {
      await this.appendToChain(em, ctx, chainKey, byChain.get(chainKey) ?? []);
    }
  }

  /**
   * No automatic entry for this request's operation: for telemetry (usage events) whose own table is its record and
   * which would otherwise put every page view into the chain.
   */
  skipOperationEntry(ctx: RequestContext): void {
    this.explicit.add(ctx);
  }

  /** Whether a service already recorded this request's operation itself (or asked for no entry). */
  coversOperation(ctx: RequestContext): boolean {
    return this.explicit.has(ctx);
  }

  private async appendToChain(em: EntityManager, ctx: RequestContext, chainKey: string, records: AuditRecord[]): Promise<void> {
    const tenantId = chainKey === PLATFORM_CHAIN ? null : chainKey;
    // A log-in has no tenant in its session yet; its entry belongs to the tenant it signs in to.
    // (Staff sessions have no tenant at all: their role's policies let them append to any tenant's chain.)
    const staff = ctx.actor.kind === 'user' && ctx.actor.platformRole !== undefined;
    const switchTenant = !staff && tenantId !== ctx.tenantId;
    if (switchTenant) await setSessionTenant(em, tenantId);
    try {
      const head = await lockChainHead(em, chainKey, '0'.repeat(64));
      let seq = BigInt(head.last_seq);
      let prevHash = head.last_hash;
      const device = deviceOf(ctx.userAgent);
      const entries = records.map((record): SealedEntry => {
        seq += 1n;
        const sealed: SealedFields = {
          id: uuidv7(),
          tenantId,
          chainKey,
          chainSeq: seq.toString(),
          occurredAt: new Date(),
          ...actorOf(ctx, record),
          action: record.action.slice(0, 100),
          targetType: record.targetType?.slice(0, 100) ?? null,
          targetId: record.targetId?.slice(0, 100) ?? null,
          result: record.result ?? AuditResult.SUCCESS,
          errorCode: record.errorCode ?? null,
          requestId: ctx.requestId.slice(0, 100),
        };
        const personal: PersonalFields = { ip: ctx.ip ? ctx.ip.slice(0, 64) : null, userAgent: ctx.userAgent || null, ...device };
        const salt = newPersonalSalt();
        const digest = personalDigest(salt, personal);
        const hash = entryHash(sealed, digest, prevHash);
        const entry = { ...sealed, ...personal, personalSalt: salt, personalDigest: digest, prevHash, hash };
        prevHash = hash;
        return entry;
      });
      await appendEntries(em, chainKey, entries.map(valuesOf), { seq: seq.toString(), hash: prevHash });
    } finally {
      if (switchTenant) await setSessionTenant(em, ctx.tenantId);
    }
  }
}
