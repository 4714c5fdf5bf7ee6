import { BigIntType, OptionalProps, type Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, Property, Unique } from '@mikro-orm/decorators/legacy';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';
import { ClientForeignKey } from '../clients/index.js';
import { ContactForeignKey } from '../contacts/index.js';
import { ORDER_FEED_MARK_TRIGGER } from './order-feed-mark.sql.js';
import { OrderStatus } from './order-status.js';

/** A reference to this order in another system, e.g. { system: "QUICKBOOKS", kind: "INVOICE", value: "1042" }. */
export interface ExternalReference {
  system: string;
  kind: string;
  value: string;
}

/**
 * A quote or order for branded merchandise. Money is integer minor units in `currency`; subtotal and cost are derived
 * from the lines by the service, never typed in.
 *
 * `changeXid` is the id of the transaction that last wrote the row, set by a trigger. Listing changes in xid order,
 * and only up to the oldest transaction still running, lets partners page through changes without missing one that
 * commits late.
 */
@Entity({
  ...tenantPolicies(),
  triggers: [
    {
      name: 'order_change_xid',
      timing: 'before',
      events: ['insert', 'update'],
      body: 'new.change_xid := pg_current_xact_id(); return new;',
    },
    {
      // Bookmarks the change feed for the tenant of the request that writes (see OrderFeedMark).
      name: 'order_feed_mark',
      timing: 'after',
      events: ['insert', 'update'],
      forEach: 'statement',
      body: ORDER_FEED_MARK_TRIGGER,
    },
  ],
})
@Unique({ properties: ['tenantId', 'numberSeq'] })
@Index({ properties: ['tenantId', 'createdAt', 'id'] })
@Index({ properties: ['tenantId', 'updatedAt', 'id'] })
@Index({ properties: ['tenantId', 'changeXid', 'id'] })
// Finds where in the change feed a partner's `updatedAfter` starts, from the index alone.
@Index({ properties: ['tenantId', 'updatedAt', 'changeXid'] })
export class Order extends TenantOwnedEntity {
  // Optional in em.create() because they have defaults; listed here, since an Opt<…> enum is no enum to the lint.
  [OptionalProps]?: 'status';

  /** Human number, e.g. SO-000123: per tenant, gap-free. */
  @Property({ length: 20 })
  number: string;

  @Property({ type: 'integer' })
  numberSeq: number;

  @ClientForeignKey({ deleteRule: 'restrict' })
  clientId: string;

  /** Always a contact of the order's client (OrderService checks it on every write). */
  @ContactForeignKey({ deleteRule: 'restrict', nullable: true })
  contactId?: string;

  /** ISO 4217. */
  @Property({ columnType: 'char(3)', type: 'string' })
  currency: string;

  @Enum({ items: () => OrderStatus, nativeEnumName: 'order_status' })
  status: OrderStatus = OrderStatus.QUOTE;

  /** The date the customer needs the goods. */
  @Property({ type: 'date', nullable: true })
  inHandsDate?: string;

  @Property({ type: 'text', nullable: true })
  notes?: string;

  @Property({ type: 'jsonb' })
  externalReferences: Opt<ExternalReference[]> = [];

  /** Sum of quantity × unit price over the lines, in minor units. */
  @Property({ type: new BigIntType('number') })
  subtotal: Opt<number> = 0;

  /** Sum of quantity × unit cost over the lines, in minor units (FINANCIALS_READ). */
  @Property({ type: new BigIntType('number') })
  totalCost: Opt<number> = 0;

  @Property({ columnType: 'xid8', type: 'string', nullable: true, hidden: true })
  changeXid?: string;
}
