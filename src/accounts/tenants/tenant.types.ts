import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { RestrictedField } from '../../common/authorization/field-access.js';
import { Permission } from '../../common/authorization/permission.js';
import { PostalAddressType } from '../../common/address/postal-address.js';
import { TenantStatus, type Tenant } from './tenant.entity.js';
import { PrivacyDeadlineRule } from './privacy-deadline-rule.js';

@ObjectType('Tenant', { description: 'A distributor company using PromoX: the unit of data isolation.' })
export class TenantType {
  @Field(() => ID) id: string;
  @Field({ description: 'Company name.' }) name: string;
  @Field(() => PostalAddressType) address: PostalAddressType;
  @Field(() => String, { nullable: true }) phone: string | null;
  @Field(() => TenantStatus) status: TenantStatus;
  @RestrictedField(() => String, Permission.BILLING_READ, { description: 'Where invoices are sent.' })
  billingEmail: string | null;
  @Field(() => PrivacyDeadlineRule, { description: "How long the tenant has to answer its contacts' data-subject requests." })
  privacyDeadlineRule: PrivacyDeadlineRule;
  @Field(() => Int, { description: 'Years that orders and invoices are kept after the tenant closes.' })
  taxRetentionYears: number;
  @Field(() => Date, { nullable: true }) closedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'While CLOSED: when the grace period ends and the data is purged; reopenTenant works until then.' })
  purgeAfter: Date | null;
  @Field(() => Date, { nullable: true, description: 'When PURGED: when the legal-hold records (orders) are deleted too.' })
  legalHoldUntil: Date | null;
  @Field() createdAt: Date;

  static from(tenant: Tenant): TenantType {
    return Object.assign(new TenantType(), {
      id: tenant.id,
      name: tenant.name,
      address: PostalAddressType.from(tenant.address),
      phone: tenant.phone ?? null,
      status: tenant.status,
      billingEmail: tenant.billingEmail ?? null,
      privacyDeadlineRule: tenant.privacyDeadlineRule,
      taxRetentionYears: tenant.taxRetentionYears,
      closedAt: tenant.closedAt ?? null,
      purgeAfter: tenant.purgeAfter ?? null,
      legalHoldUntil: tenant.legalHoldUntil ?? null,
      createdAt: tenant.createdAt,
    });
  }
}
