import { OptionalProps, type Opt } from '@mikro-orm/core';
import { Embedded, Entity, Enum, Property } from '@mikro-orm/decorators/legacy';
import { PostalAddress } from '../../common/address/postal-address.js';
import { registerEnumType } from '@nestjs/graphql';
import { BaseEntity, registerTenantEntity } from '../../database/base.entity.js';
import { PrivacyDeadlineRule } from './privacy-deadline-rule.js';

export enum TenantStatus {
  ACTIVE = 'ACTIVE',
  /** Read-only, members signed out; reopenable until `purgeAfter`, then purged. */
  CLOSED = 'CLOSED',
  /** Its data is gone except legal-hold records (pseudonymised), which go at `legalHoldUntil`. */
  PURGED = 'PURGED',
}
registerEnumType(TenantStatus, {
  name: 'TenantStatus',
  valuesMap: {
    ACTIVE: { description: 'In use.' },
    CLOSED: { description: 'Closed by its owner: read-only, and reopenable until purgeAfter, when its data is purged.' },
    PURGED: { description: 'Its data was deleted, except legal-hold records kept (pseudonymised) until legalHoldUntil.' },
  },
});

/** Orders and invoices are kept this many years after a tenant closes unless it chose otherwise (tax retention). */
export const DEFAULT_TAX_RETENTION_YEARS = 10;

/** A distributor company: the unit of isolation. A platform table (it is the tenant). */
@Entity()
export class Tenant extends BaseEntity {
  // Optional in em.create() because they have defaults; listed here, since an Opt<…> enum is no enum to the lint.
  [OptionalProps]?: 'status' | 'privacyDeadlineRule';

  @Property()
  name: string;

  @Embedded(() => PostalAddress, { prefix: 'address_' })
  address: Opt<PostalAddress> = new PostalAddress();

  @Property({ nullable: true })
  phone?: string;

  /** Where invoices go; billing data, readable with BILLING_READ only. */
  @Property({ nullable: true })
  billingEmail?: string;

  @Enum({ items: () => TenantStatus, nativeEnumName: 'tenant_status' })
  status: TenantStatus = TenantStatus.ACTIVE;

  /** How long the tenant gives itself to answer its contacts' data-subject requests. */
  @Enum({ items: () => PrivacyDeadlineRule, nativeEnumName: 'privacy_deadline_rule', default: PrivacyDeadlineRule.GDPR_ONE_MONTH })
  privacyDeadlineRule: PrivacyDeadlineRule = PrivacyDeadlineRule.GDPR_ONE_MONTH;

  /** How many years records the law requires keeping (orders, invoices) stay after the tenant closes. */
  @Property({ type: 'smallint', default: DEFAULT_TAX_RETENTION_YEARS })
  taxRetentionYears: Opt<number> = DEFAULT_TAX_RETENTION_YEARS;

  @Property({ type: 'timestamptz', nullable: true })
  closedAt?: Date;

  /** When the grace period ends and the purge may run; reopening clears it. */
  @Property({ type: 'timestamptz', nullable: true, index: true })
  purgeAfter?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  purgedAt?: Date;

  /** When the legal-hold records kept by the purge are deleted too, and the tenant with them. */
  @Property({ type: 'timestamptz', nullable: true })
  legalHoldUntil?: Date;
}

registerTenantEntity(Tenant);
