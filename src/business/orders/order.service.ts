import { Injectable } from '@nestjs/common';
import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext, TenantContext } from '../../common/context/request-context.js';
import { AppError, badInput, ErrorCode, notFound } from '../../common/errors/app-errors.js';
import { ClientService } from '../clients/index.js';
import { ContactService } from '../contacts/index.js';
import { OrderLine } from './order-line.entity.js';
import type { OrderRelations } from './order-selection.js';
import { OrderReader } from './order.reader.js';
import { nextOrderNumber, orderIdOfLine } from './order.sql.js';
import { canTransition, LINES_EDITABLE, ORDER_TRANSITIONS, OrderStatus } from './order-status.js';
import { OrderStatusChange } from './order-status-change.entity.js';
import { Order } from './order.entity.js';
import {
  MAX_LINES,
  type CreateOrderInput,
  type ExternalReferenceInput,
  type OrderLineInput,
  type UpdateOrderInput,
  type UpdateOrderLineInput,
} from './order.inputs.js';
import type { OrderType } from './order.types.js';

/** Order numbers look like SO-000123; the digits grow past six when needed. */
export const formatOrderNumber = (seq: number): string => `SO-${String(seq).padStart(6, '0')}`;

const orderLocked = (message: string) => new AppError(ErrorCode.ORDER_LOCKED, message);

const optional = (value: string | null | undefined): string | undefined => value ?? undefined;

function fieldProblem(field: string, problem: string) {
  return badInput(`Invalid input. ${field}: ${problem}`, { fields: [{ field, problems: [problem] }] });
}

function externalReferences(input: ExternalReferenceInput[] | null | undefined) {
  return (input ?? []).map(({ system, kind, value }) => ({ system, kind, value }));
}

function lineData(input: OrderLineInput) {
  return {
    productName: input.productName,
    sku: optional(input.sku),
    supplier: optional(input.supplier),
    quantity: input.quantity,
    unitPrice: input.unitPrice,
    unitCost: input.unitCost,
    decoration: optional(input.decoration),
    colour: optional(input.colour),
  };
}

interface Priced {
  quantity: number;
  unitPrice: number;
  unitCost: number;
}

/**
 * Subtotal and total cost from the lines, exactly (BigInt): amounts are sent as SafeInt, so a total past 2^53 − 1 is
 * refused rather than stored inexactly.
 */
function totalsOf(lines: readonly Priced[]): { subtotal: number; totalCost: number } {
  let subtotal = 0n;
  let totalCost = 0n;
  for (const line of lines) {
    subtotal += BigInt(line.quantity) * BigInt(line.unitPrice);
    totalCost += BigInt(line.quantity) * BigInt(line.unitCost);
  }
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (subtotal > max || totalCost > max) {
    throw badInput(`The order's total would exceed ${Number.MAX_SAFE_INTEGER} minor units.`);
  }
  return { subtotal: Number(subtotal), totalCost: Number(totalCost) };
}

function actorOf(ctx: RequestContext): { actorUserId?: string; actorApiKeyId?: string } {
  if (ctx.actor.kind === 'user') return { actorUserId: ctx.actor.userId };
  if (ctx.actor.kind === 'apiKey') return { actorApiKeyId: ctx.actor.apiKeyId };
  return {};
}

/**
 * Writes to orders. Every write locks the order row first, so concurrent edits of one order queue instead of computing
 * totals from stale lines, and every write updates the order row, so `updatedAt` and the change-feed position move.
 * Results are read back through OrderReader, the same path the queries use.
 */
@Injectable()
export class OrderService {
  constructor(
    private readonly em: EntityManager,
    private readonly clients: ClientService,
    private readonly contacts: ContactService,
    private readonly reader: OrderReader,
  ) {}

  async create(ctx: TenantContext, input: CreateOrderInput, relations: OrderRelations): Promise<OrderType> {
    const client = await this.clients.require(ctx, input.clientId);
    const contactId = input.contactId ? await this.contactOf(ctx, client.id, input.contactId) : undefined;
    const lines = (input.lines ?? []).map(lineData);
    const totals = totalsOf(lines);
    // Taken last, after every check: the counter row stays locked until the transaction ends.
    const seq = await nextOrderNumber(this.em, ctx);
    const order = this.em.create(Order, {
      number: formatOrderNumber(seq),
      numberSeq: seq,
      clientId: client.id,
      contactId,
      currency: input.currency,
      inHandsDate: optional(input.inHandsDate),
      notes: optional(input.notes),
      externalReferences: externalReferences(input.externalReferences),
      ...totals,
    });
    lines.forEach((line, index) => this.em.create(OrderLine, { ...line, order, position: index + 1 }));
    this.em.create(OrderStatusChange, { order, toStatus: OrderStatus.QUOTE, ...actorOf(ctx) });
    await this.em.flush();
    return this.reader.get(ctx, order.id, relations);
  }

  async update(ctx: TenantContext, id: string, patch: UpdateOrderInput, relations: OrderRelations): Promise<OrderType> {
    const order = await this.lockOrder(id);
    if (patch.currency !== undefined && patch.currency !== order.currency) {
      if (order.status !== OrderStatus.QUOTE) {
        throw orderLocked(`The currency can change only while the order is a QUOTE; it is ${order.status}.`);
      }
      order.currency = patch.currency;
    }
    if (patch.contactId === null) order.contactId = undefined;
    else if (patch.contactId !== undefined) order.contactId = await this.contactOf(ctx, order.clientId, patch.contactId, 'patch.contactId');
    if (patch.inHandsDate !== undefined) order.inHandsDate = optional(patch.inHandsDate);
    if (patch.notes !== undefined) order.notes = optional(patch.notes);
    if (patch.externalReferences !== undefined) order.externalReferences = externalReferences(patch.externalReferences);
    await this.em.flush();
    return this.reader.get(ctx, order.id, relations);
  }

  async transition(ctx: TenantContext, id: string, to: OrderStatus, relations: OrderRelations): Promise<OrderType> {
    const order = await this.lockOrder(id);
    const from: OrderStatus = order.status;
    if (!canTransition(from, to)) {
      const allowed = ORDER_TRANSITIONS[from];
      throw new AppError(
        ErrorCode.INVALID_TRANSITION,
        `An order cannot move from ${from} to ${to}; from ${from} it can move to ${allowed.length ? allowed.join(' or ') : 'nothing'}.`,
        { from, to, allowed },
      );
    }
    order.status = to;
    this.em.create(OrderStatusChange, { order, fromStatus: from, toStatus: to, ...actorOf(ctx) });
    await this.em.flush();
    return this.reader.get(ctx, order.id, relations);
  }

  async addLine(ctx: TenantContext, orderId: string, input: OrderLineInput, relations: OrderRelations): Promise<OrderType> {
    const order = await this.lockEditableOrder(orderId);
    const lines = await this.linesOf(order);
    if (lines.length >= MAX_LINES) throw badInput(`An order has at most ${MAX_LINES} lines.`);
    const line = this.em.create(OrderLine, { ...lineData(input), order, position: lines.length + 1 });
    this.retotal(order, [...lines, line]);
    await this.em.flush();
    return this.reader.get(ctx, order.id, relations);
  }

  async updateLine(ctx: TenantContext, lineId: string, patch: UpdateOrderLineInput, relations: OrderRelations): Promise<OrderType> {
    const order = await this.lockEditableOrder(await this.orderIdOfLine(ctx, lineId));
    const lines = await this.linesOf(order);
    const line = lines.find((candidate) => candidate.id === lineId);
    if (!line) throw notFound('Order line');
    if (patch.productName !== undefined) line.productName = patch.productName;
    if (patch.sku !== undefined) line.sku = optional(patch.sku);
    if (patch.supplier !== undefined) line.supplier = optional(patch.supplier);
    if (patch.quantity !== undefined) line.quantity = patch.quantity;
    if (patch.unitPrice !== undefined) line.unitPrice = patch.unitPrice;
    if (patch.unitCost !== undefined) line.unitCost = patch.unitCost;
    if (patch.decoration !== undefined) line.decoration = optional(patch.decoration);
    if (patch.colour !== undefined) line.colour = optional(patch.colour);
    this.retotal(order, lines);
    await this.em.flush();
    return this.reader.get(ctx, order.id, relations);
  }

  async removeLine(ctx: TenantContext, lineId: string, relations: OrderRelations): Promise<OrderType> {
    const order = await this.lockEditableOrder(await this.orderIdOfLine(ctx, lineId));
    const lines = await this.linesOf(order);
    const line = lines.find((candidate) => candidate.id === lineId);
    if (!line) throw notFound('Order line');
    this.em.remove(line);
    const remaining = lines.filter((candidate) => candidate !== line);
    // Positions stay 1..n without holes.
    remaining.forEach((candidate, index) => (candidate.position = index + 1));
    this.retotal(order, remaining);
    await this.em.flush();
    return this.reader.get(ctx, order.id, relations);
  }

  /** The id of the tenant's contact `contactId`, which must be one of the client's. */
  private async contactOf(ctx: TenantContext, clientId: string, contactId: string, field = 'contactId'): Promise<string> {
    const contact = await this.contacts.require(ctx, contactId);
    if (contact.clientId !== clientId) throw fieldProblem(field, "the contact must belong to the order's client");
    return contact.id;
  }

  private async lockOrder(id: string): Promise<Order> {
    const order = await this.em.findOne(Order, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!order) throw notFound('Order');
    return order;
  }

  private async lockEditableOrder(id: string): Promise<Order> {
    const order = await this.lockOrder(id);
    if (!LINES_EDITABLE.has(order.status)) {
      throw orderLocked(`Lines can change only while the order is a QUOTE or CONFIRMED; it is ${order.status}.`);
    }
    return order;
  }

  /** The order a line belongs to, read without loading the line, so that the order is locked before its lines are read. */
  private async orderIdOfLine(ctx: TenantContext, lineId: string): Promise<string> {
    const orderId = await orderIdOfLine(this.em, ctx, lineId);
    if (!orderId) throw notFound('Order line');
    return orderId;
  }

  private linesOf(order: Order): Promise<OrderLine[]> {
    return this.em.find(OrderLine, { order }, { orderBy: { position: 'asc' } });
  }

  /** Recomputes the totals and touches the order, so its updatedAt and change-feed position move even if they stay equal. */
  private retotal(order: Order, lines: readonly Priced[]): void {
    Object.assign(order, totalsOf(lines));
    order.updatedAt = new Date();
  }
}
