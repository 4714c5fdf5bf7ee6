import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { TenantContext } from '../../common/context/request-context.js';
import { notFound } from '../../common/errors/app-errors.js';
import { toPage } from '../../common/pagination/keyset.js';
import { clientRecordFromRow, ClientService } from '../clients/index.js';
import { contactFromRow } from '../contacts/index.js';
import type { ExternalReference } from './order.entity.js';
import type { OrdersArgs } from './order.inputs.js';
import { orderPageQuery } from './order-page.sql.js';
import type { OrderStatus } from './order-status.js';
import { OrderLineType, OrderStatusChangeType, OrderType } from './order.types.js';
import type { OrderRelations } from './order-selection.js';
import type { Page } from '../../common/pagination/connection.types.js';
import { pageCount, pageRows } from '../../database/read-model/page-rows.js';
import { tenantScoped } from '../../database/tenant-sql.js';

/** An order row as the page query returns it (bigint as text, times as PostgreSQL's text). */
interface OrderRow {
  id: string;
  number: string;
  status: OrderStatus;
  currency: string;
  in_hands_date: string | null;
  notes: string | null;
  external_references: ExternalReference[];
  subtotal: string;
  total_cost: string;
  client_id: string;
  contact_id: string | null;
  created_at: string;
  updated_at: string;
  sort_key: string | number;
}

interface LineRow {
  id: string;
  order_id: string;
  position: number;
  product_name: string;
  sku: string | null;
  supplier: string | null;
  quantity: number;
  unit_price: string;
  unit_cost: string;
  decoration: string | null;
  colour: string | null;
}

interface HistoryRow {
  id: string;
  order_id: string;
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  created_at: string;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
}

/** The rows of a page's selected relations (an unselected relation is empty). */
interface RelatedRows {
  clients: Record<string, unknown>[];
  contacts: Record<string, unknown>[];
  lines: LineRow[];
  history: HistoryRow[];
}

const ORDER_COLUMNS = `o.id, o.number, o.status, o.currency, o.in_hands_date::text as in_hands_date, o.notes,
  o.external_references, o.subtotal, o.total_cost, o.client_id, o.contact_id, o.created_at, o.updated_at`;

const unique = (values: Iterable<string>): string[] => [...new Set(values)];

function groupBy<T extends { order_id: string }>(rows: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.order_id);
    if (group) group.push(row);
    else groups.set(row.order_id, [row]);
  }
  return groups;
}

/**
 * The read side of orders, built for the partner page: one query for the page, then one per selected relation for the
 * whole page (clients, contacts, lines, history), mapped straight to plain GraphQL objects (no per-field resolvers).
 */
@Injectable()
export class OrderReader {
  constructor(
    private readonly em: EntityManager,
    private readonly clients: ClientService,
  ) {}

  async get(ctx: TenantContext, id: string, relations: OrderRelations): Promise<OrderType> {
    const tenant = tenantScoped(ctx, { aliases: ['o'] });
    const rows = await this.em.execute<OrderRow[]>(`select ${ORDER_COLUMNS}, null as sort_key from "order" o where ${tenant.sql} and o.id = ?`, [
      ...tenant.params,
      id,
    ]);
    if (rows.length === 0) throw notFound('Order');
    const [order] = await this.present(ctx, rows, relations);
    return order;
  }

  async list(ctx: TenantContext, args: OrdersArgs, relations: OrderRelations): Promise<Page<OrderType>> {
    const page = orderPageQuery(ctx, args);
    const rows = await pageRows<OrderRow>(this.em, page, ORDER_COLUMNS);
    const nodes = await this.present(ctx, rows.slice(0, page.request.limit), relations);
    const byId = new Map(nodes.map((node) => [node.id, node]));
    // Counted only if totalCount is selected: Nest's field resolver reads properties and never calls them.
    return toPage(
      page.request,
      rows,
      (row) => ({ key: row.sort_key, id: row.id }),
      (row) => byId.get(row.id) as OrderType,
      () => pageCount(this.em, page),
    );
  }

  /** Maps order rows to GraphQL objects, with the selected relations of all of them read in one statement. */
  private async present(ctx: TenantContext, rows: OrderRow[], relations: OrderRelations): Promise<OrderType[]> {
    if (rows.length === 0) return [];
    const related = await this.relatedRows(ctx, rows, relations);
    const parseDate = this.parseDate();
    const clientTypes = this.clients.present(
      ctx,
      related.clients.map((row) => clientRecordFromRow(row, parseDate)),
    );
    const clients = new Map(clientTypes.map((client) => [client.id, client]));
    const contacts = new Map(related.contacts.map((row) => [row.id as string, contactFromRow(row, parseDate)]));
    const lines = this.linesOf(related.lines);
    const history = this.historyOf(related.history, parseDate);
    return rows.map((row) => {
      const subtotal = Number(row.subtotal);
      const totalCost = Number(row.total_cost);
      return Object.assign(new OrderType(), {
        id: row.id,
        number: row.number,
        status: row.status,
        currency: row.currency,
        inHandsDate: row.in_hands_date,
        notes: row.notes,
        externalReferences: row.external_references,
        subtotal,
        totalCost,
        margin: subtotal - totalCost,
        clientId: row.client_id,
        client: clients.get(row.client_id),
        contactId: row.contact_id,
        contact: row.contact_id ? (contacts.get(row.contact_id) ?? null) : null,
        lines: lines.get(row.id) ?? [],
        history: history.get(row.id) ?? [],
        createdAt: parseDate(row.created_at),
        updatedAt: parseDate(row.updated_at),
      });
    });
  }

  /**
   * The rows of every selected relation of a page, each relation a JSON array column of one statement: one round trip
   * for all of them rather than one each, inside the request's transaction (so still one snapshot, under row-level
   * security). Rows come as `json_agg` writes them: the columns by name, times in ISO 8601, bigints as numbers, which
   * the row mappers read as they read `select *` rows. Clients and contacts are looked up by id list, not joined (see
   * STACK.md on RLS and joins); no entity hydration for what is only shown.
   */
  private async relatedRows(ctx: TenantContext, rows: OrderRow[], relations: OrderRelations): Promise<RelatedRows> {
    const columns: string[] = [];
    const params: unknown[] = [];
    const orderIds = rows.map((row) => row.id);
    const clientIds = relations.client ? unique(rows.map((row) => row.client_id)) : [];
    const contactIds = relations.contact ? unique(rows.flatMap((row) => (row.contact_id ? [row.contact_id] : []))) : [];
    if (clientIds.length > 0) {
      const tenant = tenantScoped(ctx, { aliases: ['c'] });
      columns.push(`(select json_agg(c) from client c where ${tenant.sql} and c.id in (?)) as clients`);
      params.push(...tenant.params, clientIds);
    }
    if (contactIds.length > 0) {
      const tenant = tenantScoped(ctx, { aliases: ['c'] });
      columns.push(`(select json_agg(c) from contact c where ${tenant.sql} and c.id in (?)) as contacts`);
      params.push(...tenant.params, contactIds);
    }
    if (relations.lines) {
      const tenant = tenantScoped(ctx, { aliases: ['l'] });
      columns.push(
        `(select json_agg(l order by l.order_id, l.position) from (
            select l.id, l.order_id, l.position, l.product_name, l.sku, l.supplier, l.quantity, l.unit_price, l.unit_cost,
                   l.decoration, l.colour
              from order_line l where ${tenant.sql} and l.order_id in (?)) l) as lines`,
      );
      params.push(...tenant.params, orderIds);
    }
    if (relations.history) {
      const tenant = tenantScoped(ctx, { aliases: ['h'] });
      columns.push(
        `(select json_agg(h order by h.created_at, h.id) from (
            select h.id, h.order_id, h.from_status, h.to_status, h.created_at, h.actor_user_id, h.actor_api_key_id
              from order_status_change h where ${tenant.sql} and h.order_id in (?)) h) as history`,
      );
      params.push(...tenant.params, orderIds);
    }
    if (columns.length === 0) return { clients: [], contacts: [], lines: [], history: [] };
    // json_agg over no rows is null.
    const [related] = await this.em.execute<Partial<Record<keyof RelatedRows, unknown[] | null>>[]>(`select ${columns.join(', ')}`, params);
    return {
      clients: (related.clients ?? []) as Record<string, unknown>[],
      contacts: (related.contacts ?? []) as Record<string, unknown>[],
      lines: (related.lines ?? []) as LineRow[],
      history: (related.history ?? []) as HistoryRow[],
    };
  }

  private parseDate(): (value: string) => Date {
    const platform = this.em.getPlatform();
    return (value: string) => platform.parseDate(value);
  }

  private linesOf(rows: LineRow[]): Map<string, OrderLineType[]> {
    const lines = new Map<string, OrderLineType[]>();
    for (const [orderId, group] of groupBy(rows)) {
      lines.set(
        orderId,
        group.map((row) => {
          const unitPrice = Number(row.unit_price);
          const unitCost = Number(row.unit_cost);
          return Object.assign(new OrderLineType(), {
            id: row.id,
            position: row.position,
            productName: row.product_name,
            sku: row.sku,
            supplier: row.supplier,
            quantity: row.quantity,
            unitPrice,
            unitCost,
            lineTotal: row.quantity * unitPrice,
            lineCost: row.quantity * unitCost,
            decoration: row.decoration,
            colour: row.colour,
          });
        }),
      );
    }
    return lines;
  }

  private historyOf(rows: HistoryRow[], parseDate: (value: string) => Date): Map<string, OrderStatusChangeType[]> {
    const history = new Map<string, OrderStatusChangeType[]>();
    for (const [orderId, group] of groupBy(rows)) {
      history.set(
        orderId,
        group.map((row) =>
          Object.assign(new OrderStatusChangeType(), {
            id: row.id,
            fromStatus: row.from_status,
            toStatus: row.to_status,
            at: parseDate(row.created_at),
            actorUserId: row.actor_user_id,
            actorApiKeyId: row.actor_api_key_id,
          }),
        ),
      );
    }
    return history;
  }
}
