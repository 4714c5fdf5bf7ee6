import type { EntityClass, EntityManager } from '@mikro-orm/core';
import type { Order } from '../orders/order.entity.js';

/**
 * The Order entity class, found by name. Importing order.entity.ts at load time from here would evaluate it before
 * order-line.entity.ts, which it imports and which imports it back: order-line's decorators would then read `Order`
 * before it exists (a crash under the test compiler).
 */
export function orderEntity(em: EntityManager): EntityClass<Order> {
  return em.getMetadata().getByClassName<Order>('Order').class;
}
