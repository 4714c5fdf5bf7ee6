import { Field, ID, ObjectType } from '@nestjs/graphql';
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
  @Field(() => PrivacyDeadlineRule, { description: 'How long the tenant has to answer its contacts\' data-subject requests.' })
  privacyDeadlineRule: PrivacyDeadlineRule;
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
      createdAt: tenant.createdAt,
    });
  }
}
