import { registerEnumType } from '@nestjs/graphql';

/** QUOTE → CONFIRMED → IN_PRODUCTION → SHIPPED → INVOICED → PAID; CANCELLED from any state before SHIPPED. */
export enum OrderStatus {
  QUOTE = 'QUOTE',
  CONFIRMED = 'CONFIRMED',
  IN_PRODUCTION = 'IN_PRODUCTION',
  SHIPPED = 'SHIPPED',
  INVOICED = 'INVOICED',
  PAID = 'PAID',
  CANCELLED = 'CANCELLED',
}

export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  [OrderStatus.QUOTE]: [OrderStatus.CONFIRMED, OrderStatus.CANCELLED],
  [OrderStatus.CONFIRMED]: [OrderStatus.IN_PRODUCTION, OrderStatus.CANCELLED],
  [OrderStatus.IN_PRODUCTION]: [OrderStatus.SHIPPED, OrderStatus.CANCELLED],
  [OrderStatus.SHIPPED]: [OrderStatus.INVOICED],
  [OrderStatus.INVOICED]: [OrderStatus.PAID],
  [OrderStatus.PAID]: [],
  [OrderStatus.CANCELLED]: [],
};

/** Lines (products, quantities, prices) may change only before production starts. */
export const LINES_EDITABLE: ReadonlySet<OrderStatus> = new Set([OrderStatus.QUOTE, OrderStatus.CONFIRMED]);

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'QUOTE → CONFIRMED → IN_PRODUCTION → SHIPPED → INVOICED → PAID; CANCELLED from any state before SHIPPED.',
});
