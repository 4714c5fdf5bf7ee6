import { BigIntType } from '@mikro-orm/core';
import { Check, Entity, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';
import { Order } from './order.entity.js';

/** One product on an order, with its decoration. Money in the order's currency, integer minor units. */
@Entity(tenantPolicies())
@Check({ name: 'order_line_quantity_positive', expression: 'quantity > 0' })
@Check({ name: 'order_line_money_not_negative', expression: 'unit_price >= 0 and unit_cost >= 0' })
export class OrderLine extends TenantOwnedEntity {
  @ManyToOne(() => Order, { deleteRule: 'cascade', index: true })
  order: Order;

  @Property({ type: 'smallint' })
  position: number;

  @Property({ length: 200 })
  productName: string;

  @Property({ length: 100, nullable: true })
  sku?: string;

  @Property({ length: 200, nullable: true })
  supplier?: string;

  @Property({ type: 'integer' })
  quantity: number;

  @Property({ type: new BigIntType('number') })
  unitPrice: number;

  /** What the distributor pays the supplier per unit (FINANCIALS_READ). */
  @Property({ type: new BigIntType('number') })
  unitCost: number;

  /** Decoration / imprint: method, placement, artwork notes. */
  @Property({ length: 2000, nullable: true })
  decoration?: string;

  @Property({ length: 100, nullable: true })
  colour?: string;
}
