import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { TenantContext } from '../../common/context/request-context.js';
import { badInput, notFound } from '../../common/errors/app-errors.js';
import { toPage, type KeysetRequest, keysetRequest, INVALID_CURSOR } from '../../common/pagination/keyset.js';
import { clientRecordFromRow, ClientService } from '../clients/index.js';
import { SortDirection } from '../../common/pagination/sort-direction.js';
import { contactFromRow } from '../contacts/index.js';
import type { ExternalReference } from './order.entity.js';
import { OrderSortField, type OrderFilter, type OrderSort, type OrdersArgs } from './order.inputs.js';
import type { OrderStatus } from './order-status.js';
import { OrderLineType, OrderStatusChangeType, OrderType } from './order.types.js';
import type { OrderRelations } from './order-selection.js';
import type { Page } from '../../common/pagination/connection.types.js';
import { likePattern } from '../../database/like-pattern.js';
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

/** A time as an exact cursor key: microseconds, UTC. A JavaScript Date keeps only milliseconds, too coarse for keyset. */
const exactTime = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const EXACT_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.\d{6}Z$/;

function parseTimeKey(key: string | number): string {
  const match = typeof key === 'string' ? EXACT_TIME.exec(key) : null;
  // The round trip through Date refuses impossible dates such as February 30th, which PostgreSQL would reject as an error.
  const date = match ? new Date(`${match[1]}Z`) : null;
  if (!match || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== match[1]) throw badInput(INVALID_CURSOR);
  return key as string;
}

function parseNumberKey(key: string | number): number {
  if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key > 2_147_483_647) throw badInput(INVALID_CURSOR);
  return key;
}

const MAX_XID8 = 2n ** 64n - 1n;

function parseXidKey(key: string | number): string {
  if (typeof key !== 'string' || !/^\d{1,20}$/.test(key) || BigInt(key) > MAX_XID8) throw badInput(INVALID_CURSOR);
  return key;
}

interface SortSpec {
  column: string;
  /** The cursor key as the page query selects it. */
  keySql: string;
  cast: string;
  parseKey: (key: string | number) => string | number;
}

const SORTS: Record<OrderSortField, SortSpec> = {
  [OrderSortField.CREATED_AT]: { column: 'o.created_at', keySql: exactTime('o.created_at'), cast: 'timestamptz', parseKey: parseTimeKey },
  [OrderSortField.UPDATED_AT]: { column: 'o.updated_at', keySql: exactTime('o.updated_at'), cast: 'timestamptz', parseKey: parseTimeKey },
  [OrderSortField.NUMBER]: { column: 'o.number_seq', keySql: 'o.number_seq', cast: 'int', parseKey: parseNumberKey },
  [OrderSortField.CHANGED]: { column: 'o.change_xid', keySql: 'o.change_xid::text', cast: 'xid8', parseKey: parseXidKey },
};

/** SQL conditions with `?` placeholders and their values, in order. */
class Conditions {
  readonly sql: string[] = [];
  readonly params: unknown[] = [];

  add(sql: string, ...params: unknown[]): void {
    this.sql.push(sql);
    this.params.push(...params);
  }

  toString(): string {
    return this.sql.join(' and ');
  }
}

/** Adds a fragment with its values. */
function addFragment(where: Conditions, fragment: { sql: string; params: readonly unknown[] }): void {
  where.add(fragment.sql, ...fragment.params);
}

function filterConditions(ctx: TenantContext, filter: OrderFilter | undefined, changeFeed: boolean): Conditions {
  const where = new Conditions();
  // The tenant is named explicitly (the ORM's tenant filter does not see raw SQL); row-level security applies too.
  addFragment(where, tenantScoped(ctx, { aliases: ['o'] }));
  if (filter?.status) {
    if (filter.status.length === 0) where.add('false');
    else where.add('o.status in (?)', filter.status);
  }
  if (filter?.clientId) where.add('o.client_id = ?', filter.clientId);
  if (filter?.createdAfter) where.add('o.created_at > ?', filter.createdAfter);
  if (filter?.createdBefore) where.add('o.created_at < ?', filter.createdBefore);
  if (filter?.updatedAfter) where.add('o.updated_at > ?', filter.updatedAfter);
  if (filter?.updatedBefore) where.add('o.updated_at < ?', filter.updatedBefore);
  if (filter?.search) {
    const pattern = likePattern(filter.search);
    const clients = tenantScoped(ctx, { aliases: ['c'] });
    // The matching clients are found once, by id list, rather than joined per order (see STACK.md on RLS and joins).
    where.add(`(o.number ilike ? or o.client_id in (select c.id from client c where ${clients.sql} and c.name ilike ?))`, pattern, ...clients.params, pattern);
  }
  // Only changes whose transaction, and every transaction older than the oldest one still running, have finished:
  // anything that commits later gets a higher position than every row listed now.
  if (changeFeed) where.add('o.change_xid < pg_snapshot_xmin(pg_current_snapshot())');
  return where;
}

/**
 * Where the first page of a change feed "since T" starts: a change position below every order changed after T. Skipped
 * when T is older than every order (a full sync), where the scan in change order starts right away. Otherwise the feed
 * mark with the latest `updatedUpTo` at or before T gives it from one index entry (see OrderFeedMark), and the scan then
 * steps over at most the changes written around that mark, whatever the tenant's size. Without a mark (none yet), the
 * oldest change position among orders changed after T is found on the (tenant, updated_at, change_xid) index, a cost
 * that grows with the changes since T. PostgreSQL runs a sub-select only when the CASE or COALESCE reaches it; OFFSET
 * 0 keeps it from turning min() back into a scan in change order. The whole bound is one sub-select, so that the page
 * query compares change_xid with a single value and scans the (tenant, change_xid, id) index from it: compared with
 * the bare CASE, the planner read every order changed since T by updated_at and sorted them (80 ms against 3 ms for a
 * page 60 days back in 100k orders).
 */
function feedStart(where: Conditions, ctx: TenantContext, since: Date): void {
  const [b, m, s] = [tenantScoped(ctx, { aliases: ['b'] }), tenantScoped(ctx, { aliases: ['m'] }), tenantScoped(ctx, { aliases: ['s'] })];
  where.add(
    `o.change_xid >= (select case
       when ? < (select min(b.updated_at) from "order" b where ${b.sql}) then '0'::xid8
       else coalesce(
         (select m.change_xid from order_feed_mark m where ${m.sql} and m.updated_up_to <= ? order by m.updated_up_to desc limit 1),
         (select min(f.change_xid) from (select s.change_xid from "order" s where ${s.sql} and s.updated_at > ? offset 0) f))
     end)`,
    since,
    ...b.params,
    ...m.params,
    since,
    ...s.params,
    since,
  );
}

function sortOf(sort: OrderSort | undefined): { spec: SortSpec; descending: boolean } {
  const field = sort?.field ?? OrderSortField.CREATED_AT;
  const changeFeed = field === OrderSortField.CHANGED;
  const direction = sort?.direction ?? (changeFeed ? SortDirection.ASC : SortDirection.DESC);
  if (changeFeed && direction !== SortDirection.ASC) {
    throw badInput('The CHANGED sort is ascending only.', {
      fields: [{ field: 'sort.direction', problems: ['CHANGED allows only ASC'] }],
    });
  }
  return { spec: SORTS[field], descending: direction === SortDirection.DESC };
}

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
    const request = keysetRequest(args);
    const { spec, descending } = sortOf(args.sort);
    const changeFeed = spec === SORTS[OrderSortField.CHANGED];
    const filter = filterConditions(ctx, args.filter, changeFeed);
    const where = this.pageConditions(filter, spec, descending, request);
    if (changeFeed && !request.boundary && !request.backward && args.filter?.updatedAfter) {
      feedStart(where, ctx, args.filter.updatedAfter);
    }
    const direction = descending !== request.backward ? 'desc' : 'asc';
    const rows = await this.em.execute<OrderRow[]>(
      `select ${ORDER_COLUMNS}, ${spec.keySql} as sort_key from "order" o where ${where.toString()}
        order by ${spec.column} ${direction}, o.id ${direction} limit ?`,
      [...where.params, request.limit + 1],
    );
    const nodes = await this.present(ctx, rows.slice(0, request.limit), relations);
    const byId = new Map(nodes.map((node) => [node.id, node]));
    const count = () => this.count(filter);
    const page = toPage(
      request,
      rows,
      (row) => ({ key: row.sort_key, id: row.id }),
      (row) => byId.get(row.id) as OrderType,
      count,
    );
    // Counted only if totalCount is selected: Nest's field resolver reads properties and never calls them.
    return page;
  }

  private pageConditions(filter: Conditions, spec: SortSpec, descending: boolean, request: KeysetRequest): Conditions {
    const page = new Conditions();
    page.add(filter.toString(), ...filter.params);
    if (request.boundary) {
      const op = descending !== request.backward ? '<' : '>';
      page.add(`(${spec.column}, o.id) ${op} (?::${spec.cast}, ?::uuid)`, spec.parseKey(request.boundary.key), request.boundary.id);
    }
    return page;
  }

  private async count(filter: Conditions): Promise<number> {
    const [row] = await this.em.execute<{ count: string }[]>(`select count(*) as count from "order" o where ${filter.toString()}`, filter.params);
    return Number(row.count);
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
