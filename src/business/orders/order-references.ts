import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { TenantContext } from '../../common/context/request-context.js';
import { conflict } from '../../common/errors/app-errors.js';
import { ClientDeletionChecks, type ClientDeletionCheck } from '../clients/index.js';
import { ContactDeletionChecks, type ContactDeletionCheck } from '../contacts/index.js';
import { Order } from './order.entity.js';

const orders = (count: number) => `${count} order${count === 1 ? '' : 's'}`;

/**
 * Orders are business records that must keep their client and contact: a client or contact an order refers to is not
 * deleted. Registered with clients and contacts, which ask before deleting (with the row locked) and know nothing of
 * orders. The foreign keys (restrict) back this up.
 */
@Injectable()
export class OrderReferences implements ClientDeletionCheck, ContactDeletionCheck, OnModuleInit {
  constructor(
    private readonly em: EntityManager,
    private readonly clientChecks: ClientDeletionChecks,
    private readonly contactChecks: ContactDeletionChecks,
  ) {}

  onModuleInit(): void {
    this.clientChecks.register(this);
    this.contactChecks.register(this);
  }

  /**
   * An order's contact is always one of the order's client's (OrderService checks it on every write), so the client's
   * orders include every order naming one of its contacts. A row written around that rule is still refused, by the
   * contact's foreign key, when the client's contacts are deleted with it.
   */
  async assertClientDeletable(_ctx: TenantContext, clientId: string): Promise<void> {
    const count = await this.em.count(Order, { clientId });
    if (count > 0) throw conflict(`The client has ${orders(count)}; archive it instead of deleting it.`);
  }

  async assertContactDeletable(_ctx: TenantContext, contactId: string): Promise<void> {
    const count = await this.em.count(Order, { contactId });
    if (count > 0) throw conflict(`The contact is on ${orders(count)} and cannot be deleted.`);
  }
}
