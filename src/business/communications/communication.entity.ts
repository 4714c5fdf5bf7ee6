import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, Property } from '@mikro-orm/decorators/legacy';
import { registerEnumType } from '@nestjs/graphql';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';
import { ClientForeignKey } from '../clients/index.js';
import { ContactForeignKey } from '../contacts/index.js';

export enum CommunicationChannel {
  EMAIL = 'EMAIL',
  CALL = 'CALL',
  MEETING = 'MEETING',
  SMS = 'SMS',
  NOTE = 'NOTE',
}
registerEnumType(CommunicationChannel, { name: 'CommunicationChannel' });

export enum CommunicationDirection {
  INBOUND = 'INBOUND',
  OUTBOUND = 'OUTBOUND',
  INTERNAL = 'INTERNAL',
}
registerEnumType(CommunicationDirection, {
  name: 'CommunicationDirection',
  description: 'INBOUND from the client, OUTBOUND to the client, INTERNAL for notes.',
});

/** An email, call, meeting, SMS or note with a client (and optionally one of its contacts). */
@Entity(tenantPolicies())
@Index({ properties: ['tenantId', 'occurredAt', 'id'] })
@Index({ properties: ['tenantId', 'createdAt', 'id'] })
export class Communication extends TenantOwnedEntity {
  @ClientForeignKey({ deleteRule: 'cascade' })
  clientId: string;

  /** One of the client's contacts (CommunicationService checks it on every write). */
  @ContactForeignKey({ deleteRule: 'set null', nullable: true })
  contactId?: string;

  @Enum({ items: () => CommunicationChannel, nativeEnumName: 'communication_channel' })
  channel: CommunicationChannel;

  @Enum({ items: () => CommunicationDirection, nativeEnumName: 'communication_direction' })
  direction: CommunicationDirection;

  @Property({ length: 300, nullable: true })
  subject?: string;

  @Property({ type: 'text' })
  body: string;

  @Property({ type: 'timestamptz' })
  occurredAt: Date;

  @Property({ type: 'uuid', nullable: true })
  authorUserId?: string;

  /** A marketing message (as opposed to service): subject to the contact's marketing consent. */
  @Property()
  marketing: Opt<boolean> = false;
}
