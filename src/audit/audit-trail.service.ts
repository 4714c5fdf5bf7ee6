import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { FilterQuery } from '@mikro-orm/core';
import type { TenantContext } from '../common/context/request-context.js';
import { badInput } from '../common/errors/app-errors.js';
import { INVALID_CURSOR, keysetQuery, keysetRequest, toPage } from '../common/pagination/keyset.js';
import type { Page } from '../common/pagination/connection.types.js';
import { AuditEntry } from './audit-entry.entity.js';
import type { AuditEntriesArgs, AuditEntryFilter } from './audit-entry.inputs.js';
import { AuditChainVerificationType, AuditEntryType } from './audit-entry.types.js';
import { entryHash, GENESIS_HASH, personalDigest } from './audit-chain.js';
import { chainEntries, chainHead } from './audit-trail.reader.js';

const parseSequenceKey = (key: string | number): string => {
  if (typeof key !== 'string' || !/^\d{1,18}$/.test(key)) throw badInput(INVALID_CURSOR);
  return key;
};

const VERIFY_BATCH = 2000;

/** Reading and verifying a tenant's audit trail. */
@Injectable()
export class AuditTrailService {
  constructor(private readonly em: EntityManager) {}

  async list(ctx: TenantContext, args: AuditEntriesArgs): Promise<Page<AuditEntryType>> {
    const tenantId = ctx.tenantId;
    const request = keysetRequest(args);
    const keyset = keysetQuery({ field: 'chainSeq', descending: true, parseKey: parseSequenceKey }, request);
    // Newest first by chain position; the chain key puts the query on the (chain_key, chain_seq) index.
    const where = { chainKey: tenantId, ...this.filterOf(args.filter) } as FilterQuery<AuditEntry>;
    const rows = await this.em.find(
      AuditEntry,
      { $and: [where, keyset.where as FilterQuery<AuditEntry>] },
      { orderBy: { chainSeq: keyset.orderBy.chainSeq }, limit: request.limit + 1 },
    );
    return toPage(
      request,
      rows,
      (row) => ({ key: row.chainSeq, id: row.id }),
      AuditEntryType.from,
      () => this.em.count(AuditEntry, where),
    );
  }

  /**
   * Walks the tenant's chain from its first entry: each entry must sit at the next position, link to the previous
   * hash, and hash to what it stores (with its personal fields matching their digest unless redacted); the chain
   * must end where its head says, so that a deleted tail shows too.
   */
  async verify(ctx: TenantContext): Promise<AuditChainVerificationType> {
    let expectedSeq = 1n;
    let prevHash = GENESIS_HASH;
    let checked = 0;
    const broken = (row: { id: string; chain_seq: string } | null, problem: string) =>
      Object.assign(new AuditChainVerificationType(), {
        valid: false,
        entriesChecked: checked,
        firstBrokenEntryId: row?.id ?? null,
        firstBrokenSequence: row?.chain_seq ?? null,
        problem,
      });
    for (;;) {
      const rows = await chainEntries(this.em, ctx, expectedSeq.toString(), VERIFY_BATCH);
      for (const row of rows) {
        if (BigInt(row.chain_seq) !== expectedSeq) return broken(row, `Entries ${expectedSeq} to ${BigInt(row.chain_seq) - 1n} are missing.`);
        if (row.prev_hash !== prevHash) return broken(row, "Does not link to the previous entry's hash.");
        if (!row.redacted_at && row.personal_salt !== null) {
          const personal = { ip: row.ip, userAgent: row.user_agent, browser: row.browser, os: row.os, deviceType: row.device_type };
          if (personalDigest(row.personal_salt, personal) !== row.personal_digest) return broken(row, 'Its personal fields were changed.');
        }
        const sealed = {
          id: row.id,
          tenantId: row.tenant_id,
          chainKey: row.chain_key,
          chainSeq: row.chain_seq,
          occurredAt: new Date(row.occurred_at),
          actorType: row.actor_type,
          actorUserId: row.actor_user_id,
          actorApiKeyId: row.actor_api_key_id,
          actorName: row.actor_name,
          action: row.action,
          targetType: row.target_type,
          targetId: row.target_id,
          result: row.result,
          errorCode: row.error_code,
          requestId: row.request_id,
        };
        if (entryHash(sealed, row.personal_digest, row.prev_hash) !== row.hash) return broken(row, 'Its content does not match its hash.');
        prevHash = row.hash;
        expectedSeq += 1n;
        checked += 1;
      }
      if (rows.length < VERIFY_BATCH) break;
    }
    const head = await chainHead(this.em, ctx);
    const lastSeq = (expectedSeq - 1n).toString();
    if ((head?.last_seq ?? '0') !== lastSeq || (head?.last_hash ?? GENESIS_HASH) !== prevHash) {
      return broken(null, `The chain ends at entry ${lastSeq}, but its head records entry ${head?.last_seq ?? '0'}: entries are missing at the end.`);
    }
    return Object.assign(new AuditChainVerificationType(), {
      valid: true,
      entriesChecked: checked,
      firstBrokenEntryId: null,
      firstBrokenSequence: null,
      problem: null,
    });
  }

  private filterOf(filter: AuditEntryFilter | undefined): Record<string, unknown> {
    if (!filter) return {};
    const where: Record<string, unknown> = {};
    if (filter.actorType) where.actorType = filter.actorType;
    if (filter.actorUserId) where.actorUserId = filter.actorUserId;
    if (filter.actorApiKeyId) where.actorApiKeyId = filter.actorApiKeyId;
    if (filter.action) where.action = filter.action;
    if (filter.targetType) where.targetType = filter.targetType;
    if (filter.targetId) where.targetId = filter.targetId;
    if (filter.result) where.result = filter.result;
    if (filter.from || filter.to) {
      where.occurredAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
    }
    return where;
  }
}
