import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PostalAddressType } from '../../common/address/postal-address.js';
import { Connection } from '../../common/pagination/connection.types.js';
import { MemberRefType, type MemberSummary } from '../../accounts/index.js';
import type { Client } from './client.entity.js';
import { defineDeferred } from '../../common/graphql/deferred-field.js';

/** The client data a ClientType shows: an entity, or a row mapped without hydrating one. */
export type ClientRecord = Pick<
  Client,
  'id' | 'name' | 'website' | 'industry' | 'tags' | 'ownerUserId' | 'billingAddress' | 'shippingAddress' | 'notes' | 'archivedAt' | 'createdAt' | 'updatedAt'
>;

/**
 * A field value computed only if the field is selected (it becomes a getter, see defineDeferred). The service
 * batches these for a whole page: one query per page and field, none when the field is not selected. (The contacts
 * module adds `contacts` to Client with a field resolver of its own.)
 */
export type Deferred<T> = () => Promise<T>;

@ObjectType('Client', { description: 'A company (or person) the distributor sells to.' })
export class ClientType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) website: string | null;
  @Field(() => String, { nullable: true }) industry: string | null;
  @Field(() => [String]) tags: string[];
  @Field(() => ID, { nullable: true, description: "The responsible member's user id." }) ownerUserId: string | null;
  @Field(() => MemberRefType, { nullable: true, description: 'The responsible member (null if none, or no longer a member).' })
  owner: MemberSummary | null | Promise<MemberSummary | null>;
  @Field(() => PostalAddressType) billingAddress: PostalAddressType;
  @Field(() => PostalAddressType) shippingAddress: PostalAddressType;
  @Field(() => String, { nullable: true }) notes: string | null;
  @Field() archived: boolean;
  @Field(() => Date, { nullable: true }) archivedAt: Date | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;

  /**
   * `owner` needs a lookup in accounts: pass a deferred lookup batched for the page, as `ClientService.present` does
   * (other modules should use that), or the resolved value.
   */
  static from(client: ClientRecord, owner: MemberSummary | null | Deferred<MemberSummary | null>): ClientType {
    // Null as the database gives it, undefined on an entity created in this request.
    const archivedAt = client.archivedAt ?? null;
    const type = Object.assign(new ClientType(), {
      id: client.id,
      name: client.name,
      website: client.website ?? null,
      industry: client.industry ?? null,
      tags: client.tags,
      ownerUserId: client.ownerUserId ?? null,
      billingAddress: PostalAddressType.from(client.billingAddress),
      shippingAddress: PostalAddressType.from(client.shippingAddress),
      notes: client.notes ?? null,
      archived: archivedAt !== null,
      archivedAt,
      createdAt: client.createdAt,
      updatedAt: client.updatedAt,
    });
    if (typeof owner === 'function') defineDeferred(type, 'owner', owner);
    else type.owner = owner;
    return type;
  }
}

export const ClientConnection = Connection(ClientType, 'Client');
