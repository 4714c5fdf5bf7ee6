import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PostalAddressType } from '../../common/address/postal-address.js';
import type { Client } from './client.entity.js';

@ObjectType('MemberRef', { description: 'A member of the tenant, by name.' })
export class MemberRefType {
  @Field(() => ID) userId: string;
  @Field() fullName: string;
}

@ObjectType('Client', { description: 'A company (or person) the distributor sells to.' })
export class ClientType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) website: string | null;
  @Field(() => String, { nullable: true }) industry: string | null;
  @Field(() => [String]) tags: string[];
  @Field(() => ID, { nullable: true, description: 'The responsible member\'s user id.' }) ownerUserId: string | null;
  @Field(() => MemberRefType, { nullable: true, description: 'The responsible member (null if none, or no longer a member).' })
  owner: MemberRefType | null;
  @Field(() => PostalAddressType) billingAddress: PostalAddressType;
  @Field(() => PostalAddressType) shippingAddress: PostalAddressType;
  @Field(() => String, { nullable: true }) notes: string | null;
  @Field() archived: boolean;
  @Field(() => Date, { nullable: true }) archivedAt: Date | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;

  /** `owner` needs a lookup in accounts; pass what the caller resolved (batched for a page). */
  static from(client: Client, owner: MemberRefType | null = null): ClientType {
    return Object.assign(new ClientType(), {
      id: client.id,
      name: client.name,
      website: client.website ?? null,
      industry: client.industry ?? null,
      tags: client.tags,
      ownerUserId: client.ownerUserId ?? null,
      owner,
      billingAddress: PostalAddressType.from(client.billingAddress),
      shippingAddress: PostalAddressType.from(client.shippingAddress),
      notes: client.notes ?? null,
      archived: client.archivedAt !== undefined && client.archivedAt !== null,
      archivedAt: client.archivedAt ?? null,
      createdAt: client.createdAt,
      updatedAt: client.updatedAt,
    });
  }
}
