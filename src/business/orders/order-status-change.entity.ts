import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';
import { Order } from './order.entity.js';
import { OrderStatus } from './order-status.js';

/** One step of an order's history: who moved it from which status to which, and when (createdAt). */
@Entity(tenantPolicies())
export class OrderStatusChange extends TenantOwnedEntity {
  @ManyToOne(() => Order, { deleteRule: 'cascade', index: true })
  order: Order;

  /** Null for the order's creation. */
  @Enum({ items: () => OrderStatus, nativeEnumName: 'order_status', nullable: true })
  fromStatus?: OrderStatus;

  @Enum({ items: () => OrderStatus, nativeEnumName: 'order_status' })
  toStatus: OrderStatus;

  @Property({ type: 'uuid', nullable: true })
  actorUserId?: string;

  @Property({ type: 'uuid', nullable: true })
  actorApiKeyId?: string;
}
