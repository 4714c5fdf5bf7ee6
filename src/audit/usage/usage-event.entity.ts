import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, Property, Unique } from '@mikro-orm/decorators/legacy';
import { registerEnumType } from '@nestjs/graphql';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';

export enum UsageEventKind {
  PAGE_VIEW = 'PAGE_VIEW',
  FEATURE_USED = 'FEATURE_USED',
  SESSION_START = 'SESSION_START',
  /** Carries the session's duration. */
  SESSION_END = 'SESSION_END',
}
registerEnumType(UsageEventKind, { name: 'UsageEventKind' });

/**
 * A usage event sent by a client app for a signed-in user, stored only while the user consents to ANALYTICS, and
 * deleted after USAGE_RETENTION_DAYS.
 */
@Entity(tenantPolicies({ maintenance: true }))
@Index({ properties: ['tenantId', 'occurredAt'] })
@Index({ properties: ['occurredAt'] })
export class UsageEvent extends TenantOwnedEntity {
  @Property({ type: 'uuid' })
  userId: string;

  @Enum({ items: () => UsageEventKind, nativeEnumName: 'usage_event_kind' })
  kind: UsageEventKind;

  /** The page's route or the feature's name (not a URL with query data). */
  @Property({ length: 200 })
  name: string;

  /** The client's session id, to tie start, pages and end together. */
  @Property({ length: 100 })
  sessionId: string;

  @Property({ type: 'integer', nullable: true })
  durationMs?: number;

  @Property({ type: 'timestamptz' })
  occurredAt: Date;
}

/**
 * How often each GraphQL root field was called per tenant and hour: counted in memory by every instance and added
 * here in batches, so counting costs a request nothing. Holds no user ids.
 */
@Entity(tenantPolicies({ maintenance: true }))
@Unique({ properties: ['tenantId', 'hour', 'operationType', 'fieldName'] })
@Index({ properties: ['hour'] })
export class OperationUsage extends TenantOwnedEntity {
  @Property({ type: 'timestamptz' })
  hour: Date;

  @Property({ length: 20 })
  operationType: string;

  @Property({ length: 100 })
  fieldName: string;

  @Property({ type: 'integer' })
  count: Opt<number> = 0;
}
