import type { Opt } from '@mikro-orm/core';
import { Embedded, Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { PostalAddress } from '../../common/address/postal-address.js';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';
import { ClientForeignKey } from '../clients/index.js';

/** A person at a client. Email, phone and address are personal data (PII_READ to read, CLIENTS_WRITE to change). */
@Entity(tenantPolicies())
@Index({ properties: ['tenantId', 'createdAt', 'id'] })
export class Contact extends TenantOwnedEntity {
  @ClientForeignKey({ deleteRule: 'cascade' })
  clientId: string;

  @Property({ length: 100 })
  firstName: string;

  @Property({ length: 100 })
  lastName: string;

  @Property({ length: 150, nullable: true })
  title?: string;

  @Property({ length: 254, nullable: true })
  email?: string;

  @Property({ length: 40, nullable: true })
  phone?: string;

  @Embedded(() => PostalAddress, { prefix: 'address_' })
  address: Opt<PostalAddress> = new PostalAddress();
}

/**
 * The `contactId` of another module's entity: a foreign key to the contact, holding only the id (mapToPk), so that
 * the Contact entity stays private to this module. `deleteRule` says what deleting the contact does to the row.
 */
export const ContactForeignKey = (options: { deleteRule: 'restrict' | 'set null'; nullable?: boolean }) =>
  ManyToOne(() => Contact, { mapToPk: true, fieldName: 'contact_id', index: true, ...options });
