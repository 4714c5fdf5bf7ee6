import type { ChildProcess } from 'node:child_process';
import type { PageShape } from './partner-page.sql.js';

/**
 * The servers `npm run bench` measures, each answering the two partner pages ("full" and "common fields") in its own
 * dialect, and reading its answers into one shape to compare: the API's nodes, and the paging state.
 */
export interface PageRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers: Record<string, string>;
}

export interface PageRead {
  /** The orders as the API's GraphQL document shows them. */
  nodes: unknown[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Target {
  name: string;
  /** The server process, whose CPU time and memory are measured. */
  process: ChildProcess;
  url: string;
  request: (shape: PageShape, after: string | null) => PageRequest;
  read: (shape: PageShape, body: unknown) => PageRead;
}

const ORDERS_ARGS = `first: 50, after: $after, filter: { updatedAfter: $since }, sort: { field: CHANGED, direction: ASC }`;

/** The API's documents: the partner's page with everything it syncs, and the fields most integrations read. */
export const API_DOCUMENTS: Record<PageShape, string> = {
  full: `query PartnerOrders($since: DateTime!, $after: String) {
  orders(${ORDERS_ARGS}) {
    edges { cursor node { id number status currency inHandsDate updatedAt subtotal
      externalReferences { system kind value }
      client { id name } contact { id firstName lastName email phone }
      lines { id position productName sku supplier quantity unitPrice lineTotal decoration colour } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  common: `query PartnerOrdersCommon($since: DateTime!, $after: String) {
  orders(${ORDERS_ARGS}) {
    edges { cursor node { number status currency inHandsDate client { name } contact { firstName lastName email }
      lines { sku productName quantity unitPrice } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
};

interface Connection<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The API's answer, and the floor's, which is meant to be the same JSON byte for byte once parsed. */
export function readApiPage(body: unknown): PageRead {
  const orders = (body as { data: { orders: Connection<unknown> } }).data.orders;
  return { nodes: orders.edges.map((edge) => edge.node), hasNextPage: orders.pageInfo.hasNextPage, endCursor: orders.pageInfo.endCursor };
}

/**
 * PostGraphile's documents over the same tables. Its connection filter plugin gives `updatedAt > since`; the CHANGED
 * order is `change_xid, id`. Lines have no index on `position`, so PostGraphile offers no order by it: they are read
 * with their position and sorted here. It has no `lineTotal`, which is computed here from quantity and unit price. It
 * does not apply the API's visibility horizon (changes older than every running transaction): on the bench's quiet
 * database that changes no row.
 */
const PG_ARGS = `first: 50, after: $after, orderBy: [CHANGE_XID_ASC, ROW_ID_ASC], filter: { updatedAt: { greaterThan: $since } }`;
export const POSTGRAPHILE_DOCUMENTS: Record<PageShape, string> = {
  full: `query PartnerOrders($since: Datetime!, $after: Cursor) {
  allOrders(${PG_ARGS}) {
    edges { cursor node { rowId number status currency inHandsDate updatedAt subtotal externalReferences
      clientByClientId { rowId name } contactByContactId { rowId firstName lastName email phone }
      orderLinesByOrderId { nodes { rowId position productName sku supplier quantity unitPrice decoration colour } } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  common: `query PartnerOrdersCommon($since: Datetime!, $after: Cursor) {
  allOrders(${PG_ARGS}) {
    edges { cursor node { number status currency inHandsDate clientByClientId { name } contactByContactId { firstName lastName email }
      orderLinesByOrderId { nodes { position sku productName quantity unitPrice } } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
};

interface PgLine {
  rowId?: string;
  position: number;
  productName: string;
  sku: string | null;
  supplier?: string | null;
  quantity: number;
  /** BigInt, as a string. */
  unitPrice: string;
  decoration?: string | null;
  colour?: string | null;
}

interface PgOrder {
  rowId?: string;
  number: string;
  status: string;
  currency: string;
  inHandsDate: string | null;
  updatedAt?: string;
  subtotal?: string;
  externalReferences?: unknown;
  clientByClientId: { rowId?: string; name: string } | null;
  contactByContactId: { rowId?: string; firstName: string; lastName: string; email: string | null; phone?: string | null } | null;
  orderLinesByOrderId: { nodes: PgLine[] };
}

/** PostGraphile's node as the API's document for `shape` shows the same order. */
function apiNodeOf(shape: PageShape, order: PgOrder): unknown {
  const lines = [...order.orderLinesByOrderId.nodes].sort((a, b) => a.position - b.position);
  const { clientByClientId: client, contactByContactId: contact } = order;
  if (shape === 'common') {
    return {
      number: order.number,
      status: order.status,
      currency: order.currency,
      inHandsDate: order.inHandsDate,
      client: client && { name: client.name },
      contact: contact && { firstName: contact.firstName, lastName: contact.lastName, email: contact.email },
      lines: lines.map((line) => ({ sku: line.sku, productName: line.productName, quantity: line.quantity, unitPrice: Number(line.unitPrice) })),
    };
  }
  return {
    id: order.rowId,
    number: order.number,
    status: order.status,
    currency: order.currency,
    inHandsDate: order.inHandsDate,
    updatedAt: order.updatedAt === undefined ? undefined : new Date(order.updatedAt).toISOString(),
    subtotal: Number(order.subtotal),
    externalReferences: order.externalReferences,
    client: client && { id: client.rowId, name: client.name },
    contact: contact && { id: contact.rowId, firstName: contact.firstName, lastName: contact.lastName, email: contact.email, phone: contact.phone },
    lines: lines.map((line) => ({
      id: line.rowId,
      position: line.position,
      productName: line.productName,
      sku: line.sku,
      supplier: line.supplier,
      quantity: line.quantity,
      unitPrice: Number(line.unitPrice),
      lineTotal: line.quantity * Number(line.unitPrice),
      decoration: line.decoration,
      colour: line.colour,
    })),
  };
}

export function readPostGraphilePage(shape: PageShape, body: unknown): PageRead {
  const errors = (body as { errors?: unknown[] }).errors;
  if (errors) throw new Error(`PostGraphile answered errors: ${JSON.stringify(errors).slice(0, 1000)}`);
  const orders = (body as { data: { allOrders: Connection<PgOrder> } }).data.allOrders;
  return {
    nodes: orders.edges.map((edge) => apiNodeOf(shape, edge.node)),
    hasNextPage: orders.pageInfo.hasNextPage,
    endCursor: orders.pageInfo.endCursor,
  };
}
