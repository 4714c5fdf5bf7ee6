import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { registerEnumType } from '@nestjs/graphql';
import { v7 as uuidv7 } from 'uuid';
import { APP_ROLE, MAINTENANCE_ROLE, SUPPORT_ROLE } from '../database/base.entity.js';
import { PURGING_TENANT_SETTING, SESSION_TENANT, sessionTenantMatchesRow, sessionTenantPredicate } from '../database/tenant-sql.js';

export enum AuditActorType {
  USER = 'USER',
  API_KEY = 'API_KEY',
  /** PromoX platform staff (support), acting across tenants. */
  STAFF = 'STAFF',
  SYSTEM = 'SYSTEM',
  ANONYMOUS = 'ANONYMOUS',
}
registerEnumType(AuditActorType, { name: 'AuditActorType' });

export enum AuditResult {
  SUCCESS = 'SUCCESS',
  /** The action was attempted and failed (e.g. a wrong password). */
  FAILURE = 'FAILURE',
  /** The actor lacked the permission. */
  DENIED = 'DENIED',
}
registerEnumType(AuditResult, { name: 'AuditResult' });

/** The chain of entries that are not in any tenant (e.g. a failed log-in for an unknown email). */
export const PLATFORM_CHAIN = '00000000-0000-0000-0000-000000000000';

const currentTenant = SESSION_TENANT;

/** Columns the hash covers; a row may change only by redacting its personal fields (see the trigger). */
const SEALED_COLUMNS = [
  'id',
  'tenant_id',
  'chain_key',
  'chain_seq',
  'occurred_at',
  'actor_type',
  'actor_user_id',
  'actor_api_key_id',
  'actor_name',
  'action',
  'target_type',
  'target_id',
  'result',
  'error_code',
  'request_id',
  'personal_digest',
  'prev_hash',
  'hash',
];
const sealed = (row: 'old' | 'new') => `(${SEALED_COLUMNS.map((c) => `${row}.${c}`).join(', ')})`;

/**
 * One line of the audit trail. Append-only in the database: the app role may only insert and read its tenant's rows,
 * and a trigger refuses every delete and every update except the redaction of personal fields (IP, user agent), which
 * the hash covers only through `personalDigest`, so that redaction leaves the chain intact. (TRUNCATE is refused by a
 * statement trigger that the migration adds by hand: the ORM does not manage statement triggers.)
 */
@Entity({
  rowLevelSecurity: 'force',
  policies: [
    { name: 'tenant_read', command: 'select', roles: [APP_ROLE], using: sessionTenantPredicate() },
    // A request appends to its own tenant's chain, or to the platform chain when it has no tenant (a log-in).
    { name: 'tenant_append', command: 'insert', roles: [APP_ROLE], check: `${sessionTenantPredicate()} or (tenant_id is null and ${currentTenant} is null)` },
    { name: 'staff_append', command: 'insert', roles: [SUPPORT_ROLE], check: 'true' },
    { name: 'maintenance', command: 'all', roles: [MAINTENANCE_ROLE], using: 'true', check: 'true' },
  ],
  triggers: [
    {
      name: 'audit_entry_append_only',
      timing: 'before',
      events: ['update', 'delete'],
      forEach: 'row',
      // The one delete allowed: a purged tenant's trail when its legal hold ends, by the purge that names the tenant.
      body: `if tg_op = 'DELETE' then
          if old.tenant_id is not null and ${sessionTenantMatchesRow('old')} then
            return old;
          end if;
          raise exception 'audit entries are append-only' using errcode = 'insufficient_privilege';
        end if;
        if ${sealed('new')} is distinct from ${sealed('old')} or new.redacted_at is null then
          raise exception 'audit entries change only by redacting personal fields' using errcode = 'insufficient_privilege';
        end if;
        return new;`,
    },
  ],
})
@Unique({ properties: ['chainKey', 'chainSeq'] })
@Index({ properties: ['tenantId', 'occurredAt'] })
@Index({ properties: ['occurredAt'] })
// A person's entries, found by their rights (erasure redacts them; it and exports list the tenants they acted in).
@Index({ properties: ['actorUserId'] })
export class AuditEntry {
  @PrimaryKey({ type: 'uuid' })
  id: Opt<string> = uuidv7();

  /** Null for platform entries. No foreign key: the trail is a record that outlives what it describes. */
  @Property({ type: 'uuid', nullable: true })
  tenantId?: string;

  /** The tenant's id, or PLATFORM_CHAIN. */
  @Property({ type: 'uuid' })
  chainKey: string;

  @Property({ type: 'bigint' })
  chainSeq: string;

  @Property({ type: 'timestamptz' })
  occurredAt: Date;

  @Enum({ items: () => AuditActorType, nativeEnumName: 'audit_actor_type' })
  actorType: AuditActorType;

  @Property({ type: 'uuid', nullable: true })
  actorUserId?: string;

  @Property({ type: 'uuid', nullable: true })
  actorApiKeyId?: string;

  /** A system job's name. */
  @Property({ length: 100, nullable: true })
  actorName?: string;

  @Property({ length: 100 })
  action: string;

  @Property({ length: 100, nullable: true })
  targetType?: string;

  @Property({ length: 100, nullable: true })
  targetId?: string;

  @Enum({ items: () => AuditResult, nativeEnumName: 'audit_result' })
  result: AuditResult;

  @Property({ length: 64, nullable: true })
  errorCode?: string;

  @Property({ length: 100 })
  requestId: string;

  // Personal fields: covered by personalDigest, redacted (IP truncated, or blanked on erasure) without breaking the chain.
  @Property({ length: 64, nullable: true })
  ip?: string;

  @Property({ length: 512, nullable: true })
  userAgent?: string;

  @Property({ length: 100, nullable: true })
  browser?: string;

  @Property({ length: 100, nullable: true })
  os?: string;

  @Property({ length: 32, nullable: true })
  deviceType?: string;

  /** Random per entry, so that the digest of a redacted IP can not be found again by trying all addresses. */
  @Property({ length: 32, nullable: true })
  personalSalt?: string;

  @Property({ length: 64 })
  personalDigest: string;

  @Property({ type: 'timestamptz', nullable: true })
  redactedAt?: Date;

  @Property({ length: 64 })
  prevHash: string;

  @Property({ length: 64 })
  hash: string;
}

/** The end of each chain: locked by every append, so entries of one chain get consecutive positions. */
@Entity({
  rowLevelSecurity: 'force',
  policies: [
    {
      name: 'own_chain',
      roles: [APP_ROLE],
      using: `chain_key = coalesce(${currentTenant}, '${PLATFORM_CHAIN}'::uuid)`,
      check: `chain_key = coalesce(${currentTenant}, '${PLATFORM_CHAIN}'::uuid)`,
    },
    { name: 'staff_append', roles: [SUPPORT_ROLE], using: 'true', check: 'true' },
    // A purged tenant's chain ends with its trail, when the legal hold is over.
    { name: 'tenant_purge', roles: [MAINTENANCE_ROLE], using: sessionTenantPredicate('chain_key', PURGING_TENANT_SETTING) },
  ],
})
export class AuditChainHead {
  @PrimaryKey({ type: 'uuid' })
  chainKey: string;

  @Property({ type: 'bigint' })
  lastSeq: string;

  @Property({ length: 64 })
  lastHash: string;
}
