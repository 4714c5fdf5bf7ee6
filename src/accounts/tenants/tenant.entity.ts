import type { Opt } from '@mikro-orm/core';
import { Embedded, Entity, Enum, Property } from '@mikro-orm/decorators/legacy';
import { PostalAddress } from '../../common/address/postal-address.js';
import { registerEnumType } from '@nestjs/graphql';
import { BaseEntity, registerTenantEntity } from '../../database/base.entity.js';
import { PrivacyDeadlineRule } from './privacy-deadline-rule.js';

export enum TenantStatus {
  ACTIVE = 'ACTIVE',
  CLOSED = 'CLOSED',
}
registerEnumType(TenantStatus, { name: 'TenantStatus' });

/** A distributor company: the unit of isolation. A platform table (it is the tenant). */
@Entity()
export class Tenant extends BaseEntity {
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
  status: Opt<TenantStatus> = TenantStatus.ACTIVE;

  /** How long the tenant gives itself to answer its contacts' data-subject requests. */
  @Enum({ items: () => PrivacyDeadlineRule, nativeEnumName: 'privacy_deadline_rule', default: PrivacyDeadlineRule.GDPR_ONE_MONTH })
  privacyDeadlineRule: Opt<PrivacyDeadlineRule> = PrivacyDeadlineRule.GDPR_ONE_MONTH;
}

registerTenantEntity(Tenant);
