import type { Opt } from '@mikro-orm/core';
import { Embedded, Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { PostalAddress } from '../../common/address/postal-address.js';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';

/** A company (or person) the distributor sells to. */
@Entity(tenantPolicies())
@Index({ properties: ['tenantId', 'createdAt', 'id'] })
@Index({ properties: ['tenantId', 'name', 'id'] })
export class Client extends TenantOwnedEntity {
  @Property({ length: 200 })
  name: string;

  @Property({ length: 500, nullable: true })
  website?: string;

  @Property({ length: 100, nullable: true })
  industry?: string;

  @Property({ type: 'text[]' })
  tags: Opt<string[]> = [];

  /** The member (a user of this tenant) responsible for the client. */
  @Property({ type: 'uuid', nullable: true, index: true })
  ownerUserId?: string;

  @Embedded(() => PostalAddress, { prefix: 'billing_' })
  billingAddress: Opt<PostalAddress> = new PostalAddress();

  @Embedded(() => PostalAddress, { prefix: 'shipping_' })
  shippingAddress: Opt<PostalAddress> = new PostalAddress();

  @Property({ type: 'text', nullable: true })
  notes?: string;

  @Property({ type: 'timestamptz', nullable: true })
  archivedAt?: Date;
}

/**
 * The `clientId` of another module's entity: a foreign key to the client, holding only the id (mapToPk), so that the
 * Client entity stays private to this module. `deleteRule` says what deleting the client does to the row.
 */
export const ClientForeignKey = (options: { deleteRule: 'cascade' | 'restrict' }) =>
  ManyToOne(() => Client, { mapToPk: true, fieldName: 'client_id', index: true, ...options });
