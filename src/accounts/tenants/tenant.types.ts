import { Field, ID, ObjectType } from '@nestjs/graphql';
import { RestrictedField } from '../../common/authorization/field-access.js';
import { Permission } from '../../common/authorization/permission.js';
import { TenantStatus, type PostalAddress, type Tenant } from './tenant.entity.js';

@ObjectType('PostalAddress')
export class PostalAddressType {
  @Field(() => String, { nullable: true }) line1: string | null;
  @Field(() => String, { nullable: true }) line2: string | null;
  @Field(() => String, { nullable: true }) city: string | null;
  @Field(() => String, { nullable: true }) region: string | null;
  @Field(() => String, { nullable: true }) postalCode: string | null;
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2 country code.' }) country: string | null;

  static from(address: PostalAddress | undefined): PostalAddressType {
    return Object.assign(new PostalAddressType(), {
      line1: address?.line1 ?? null,
      line2: address?.line2 ?? null,
      city: address?.city ?? null,
      region: address?.region ?? null,
      postalCode: address?.postalCode ?? null,
      country: address?.country ?? null,
    });
  }
}

@ObjectType('Tenant', { description: 'A distributor company using PromoX: the unit of data isolation.' })
export class TenantType {
  @Field(() => ID) id: string;
  @Field({ description: 'Company name.' }) name: string;
  @Field(() => PostalAddressType) address: PostalAddressType;
  @Field(() => String, { nullable: true }) phone: string | null;
  @Field(() => TenantStatus) status: TenantStatus;
  @RestrictedField(() => String, Permission.BILLING_READ, { description: 'Where invoices are sent.' })
  billingEmail: string | null;
  @Field() createdAt: Date;

  static from(tenant: Tenant): TenantType {
    return Object.assign(new TenantType(), {
      id: tenant.id,
      name: tenant.name,
      address: PostalAddressType.from(tenant.address),
      phone: tenant.phone ?? null,
      status: tenant.status,
      billingEmail: tenant.billingEmail ?? null,
      createdAt: tenant.createdAt,
    });
  }
}
