import { Permission } from '../src/common/authorization/permission.js';
import { privilegedQuery } from './support/database.js';
import {
  addMember,
  createApiKey,
  createClient,
  createContact,
  createOrder,
  MUG_LINE,
  signUpOwner,
  type Member,
  type SignedUpOwner,
} from './support/fixtures.js';
import { badFields, dataOf, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server.js';
import { ifCreated } from './support/required';

/**
 * Orders: queries, mutations, the status state machine, line editing, derived totals, order numbers under
 * concurrency, history, field access and tenant isolation.
 */

const ORDER_FIELDS = /* GraphQL */ `
  fragment OrderFields on Order {
    id
    number
    status
    currency
    inHandsDate
    notes
    subtotal
    totalCost
    margin
    clientId
    contactId
    createdAt
    updatedAt
    externalReferences {
      system
      kind
      value
    }
    client {
      id
      name
    }
    contact {
      id
      firstName
      lastName
      email
      phone
    }
    lines {
      id
      position
      productName
      sku
      supplier
      quantity
      unitPrice
      unitCost
      lineTotal
      lineCost
      decoration
      colour
    }
    history {
      id
      fromStatus
      toStatus
      at
      actorUserId
      actorApiKeyId
    }
  }
`;

const CREATE = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { ...OrderFields } } ${ORDER_FIELDS}`;
const GET = `query($id: ID!) { order(id: $id) { ...OrderFields } } ${ORDER_FIELDS}`;
const UPDATE = `mutation($id: ID!, $patch: UpdateOrderInput!) { updateOrder(id: $id, patch: $patch) { ...OrderFields } } ${ORDER_FIELDS}`;
const TRANSITION = `mutation($id: ID!, $to: OrderStatus!) { transitionOrder(id: $id, to: $to) { id status updatedAt history { fromStatus toStatus actorUserId actorApiKeyId } } }`;
const ADD_LINE = `mutation($orderId: ID!, $line: OrderLineInput!) { addOrderLine(orderId: $orderId, line: $line) { ...OrderFields } } ${ORDER_FIELDS}`;
const UPDATE_LINE = `mutation($id: ID!, $patch: UpdateOrderLineInput!) { updateOrderLine(id: $id, patch: $patch) { ...OrderFields } } ${ORDER_FIELDS}`;
const REMOVE_LINE = `mutation($id: ID!) { removeOrderLine(id: $id) { ...OrderFields } } ${ORDER_FIELDS}`;
const LIST = `query($first: Int, $after: String, $last: Int, $before: String, $filter: OrderFilter, $sort: OrderSort) {
  orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, sort: $sort) {
    totalCount
    edges { cursor node { id number status clientId createdAt updatedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Line {
  id: string;
  position: number;
  productName: string;
  sku: string | null;
  supplier: string | null;
  quantity: number;
  unitPrice: number;
  unitCost: number | null;
  lineTotal: number;
  lineCost: number | null;
  decoration: string | null;
  colour: string | null;
}

interface History {
  id: string;
  fromStatus: string | null;
  toStatus: string;
  at: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
}

interface Order {
  id: string;
  number: string;
  status: string;
  currency: string;
  inHandsDate: string | null;
  notes: string | null;
  subtotal: number;
  totalCost: number | null;
  margin: number | null;
  clientId: string;
  contactId: string | null;
  createdAt: string;
  updatedAt: string;
  externalReferences: { system: string; kind: string; value: string }[];
  client: { id: string; name: string };
  contact: { id: string; firstName: string; lastName: string; email: string | null; phone: string | null } | null;
  lines: Line[];
  history: History[];
}

interface ListNode {
  id: string;
  number: string;
  status: string;
  clientId: string;
  createdAt: string;
  updatedAt: string;
}

interface ListData {
  orders: {
    totalCount: number;
    edges: { cursor: string; node: ListNode }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
}

function codeOf<T>(response: GraphQLResponse<T>): string | undefined {
  return response.body.errors?.[0]?.extensions?.code;
}

/** The whole operation was refused with `code`. */
function expectRefused<T>(response: GraphQLResponse<T>, code: string): void {
  expect(codeOf(response)).toBe(code);
  expect(response.body.data ?? null).toBeNull();
}

/** BAD_USER_INPUT naming `field` among the invalid fields. */
function expectBadField<T>(response: GraphQLResponse<T>, field: string): void {
  expectRefused(response, 'BAD_USER_INPUT');
  // The path may or may not start with the argument's name (input., patch., line.).
  expect(badFields(response)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`(^|\\.)${field.replace(/\./g, '\\.')}$`))]));
}

async function orderCount(tenantId: string): Promise<number> {
  const [row] = await privilegedQuery<{ count: string }>('select count(*) from "order" where tenant_id = $1', [tenantId]);
  return Number(row.count);
}

async function lastNumber(tenantId: string): Promise<number> {
  const rows = await privilegedQuery<{ last_number: number }>('select last_number from order_number_counter where tenant_id = $1', [tenantId]);
  return rows.at(0)?.last_number ?? 0;
}

const EXPECTED_MOVES: Record<string, string[]> = {
  QUOTE: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: ['IN_PRODUCTION', 'CANCELLED'],
  IN_PRODUCTION: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['INVOICED'],
  INVOICED: ['PAID'],
  PAID: [],
  CANCELLED: [],
};
const STATUSES = Object.keys(EXPECTED_MOVES);
/** How to reach each status from QUOTE. */
const PATH_TO: Record<string, string[]> = {
  QUOTE: [],
  CONFIRMED: ['CONFIRMED'],
  IN_PRODUCTION: ['CONFIRMED', 'IN_PRODUCTION'],
  SHIPPED: ['CONFIRMED', 'IN_PRODUCTION', 'SHIPPED'],
  INVOICED: ['CONFIRMED', 'IN_PRODUCTION', 'SHIPPED', 'INVOICED'],
  PAID: ['CONFIRMED', 'IN_PRODUCTION', 'SHIPPED', 'INVOICED', 'PAID'],
  CANCELLED: ['CANCELLED'],
};

interface Tenant {
  owner: SignedUpOwner;
  client: { id: string; name: string };
  otherClient: { id: string; name: string };
  contact: { id: string };
  otherContact: { id: string };
}

async function buildTenant(server: TestServer): Promise<Tenant> {
  const owner = await signUpOwner(server);
  const client = await createClient(server, owner, { name: `Northwind ${owner.tenantId.slice(-6)}` });
  const otherClient = await createClient(server, owner, { name: `Globex ${owner.tenantId.slice(-6)}` });
  const contact = await createContact(server, owner, client.id, { firstName: 'Ada', lastName: 'Buyer', email: 'ada@northwind.test', phone: '+1 555 0100' });
  const otherContact = await createContact(server, owner, otherClient.id, { firstName: 'Gus', lastName: 'Globex' });
  return { owner, client, otherClient, contact, otherContact };
}

let server: TestServer;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  server = await startTestServer();
  a = await buildTenant(server);
  b = await buildTenant(server);
});

afterAll(async () => {
  await ifCreated(server)?.close();
});

async function gqlAs<T = Record<string, unknown>>(token: string, query: string, variables: Record<string, unknown> = {}) {
  return server.gql<T>({ query, variables, token });
}

async function moveTo(token: string, orderId: string, status: string): Promise<void> {
  for (const to of PATH_TO[status]) dataOf(await gqlAs(token, TRANSITION, { id: orderId, to }));
}

describe('createOrder', () => {
  it('creates a QUOTE with derived totals, numbered lines, history and the nested client and contact', async () => {
    const input = {
      clientId: a.client.id,
      contactId: a.contact.id,
      currency: 'eur',
      inHandsDate: '2027-03-01',
      notes: '  Rush: trade show  ',
      externalReferences: [{ system: 'QUICKBOOKS', kind: 'ESTIMATE', value: 'E-77' }],
      lines: [
        { ...MUG_LINE, decoration: 'One-colour pad print, left side', colour: 'navy', supplier: 'Mugs Inc.' },
        { productName: 'Tote bag', quantity: 250, unitPrice: 399, unitCost: 150 },
      ],
    };
    const order = dataOf(await gqlAs<{ createOrder: Order }>(a.owner.accessToken, CREATE, { input })).createOrder;
    expect(order.number).toMatch(/^SO-\d{6}$/);
    expect(order).toMatchObject({
      status: 'QUOTE',
      currency: 'EUR',
      inHandsDate: '2027-03-01',
      notes: 'Rush: trade show',
      subtotal: 100 * 450 + 250 * 399,
      totalCost: 100 * 210 + 250 * 150,
      margin: 100 * 450 + 250 * 399 - (100 * 210 + 250 * 150),
      clientId: a.client.id,
      contactId: a.contact.id,
      client: { id: a.client.id, name: a.client.name },
      contact: { id: a.contact.id, firstName: 'Ada', lastName: 'Buyer', email: 'ada@northwind.test', phone: '+1 555 0100' },
      externalReferences: [{ system: 'QUICKBOOKS', kind: 'ESTIMATE', value: 'E-77' }],
    });
    expect(order.lines).toEqual([
      expect.objectContaining({
        position: 1,
        productName: 'Branded mug',
        sku: 'MUG-11',
        supplier: 'Mugs Inc.',
        quantity: 100,
        unitPrice: 450,
        unitCost: 210,
        lineTotal: 45_000,
        lineCost: 21_000,
        decoration: 'One-colour pad print, left side',
        colour: 'navy',
      }),
      expect.objectContaining({ position: 2, productName: 'Tote bag', sku: null, supplier: null, lineTotal: 99_750, lineCost: 37_500 }),
    ]);
    expect(order.history).toEqual([expect.objectContaining({ fromStatus: null, toStatus: 'QUOTE', actorUserId: a.owner.userId, actorApiKeyId: null })]);

    // The same order read back.
    const read = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: order.id })).order;
    expect(read).toEqual(order);
  });

  it('creates an order without contact or lines', async () => {
    const order = dataOf(await gqlAs<{ createOrder: Order }>(a.owner.accessToken, CREATE, { input: { clientId: a.client.id, currency: 'USD' } })).createOrder;
    expect(order).toMatchObject({
      contact: null,
      contactId: null,
      lines: [],
      subtotal: 0,
      totalCost: 0,
      margin: 0,
      inHandsDate: null,
      notes: null,
      externalReferences: [],
    });
  });

  it('records an API key as the creator', async () => {
    const key = await createApiKey(server, a.owner, [Permission.ORDERS_READ, Permission.ORDERS_WRITE]);
    const order = dataOf(
      await gqlAs<{ createOrder: Order }>(
        key.secret,
        `mutation($input: CreateOrderInput!) { createOrder(input: $input) { history { toStatus actorUserId actorApiKeyId } } }`,
        {
          input: { clientId: a.client.id, currency: 'USD' },
        },
      ),
    ).createOrder;
    expect(order.history).toEqual([expect.objectContaining({ toStatus: 'QUOTE', actorUserId: null, actorApiKeyId: key.id })]);
  });

  it('refuses a contact of another client, and callers without ORDERS_WRITE', async () => {
    const before = await orderCount(a.owner.tenantId);
    const wrongContact = await gqlAs(a.owner.accessToken, CREATE, {
      input: { clientId: a.client.id, contactId: a.otherContact.id, currency: 'USD' },
    });
    expectBadField(wrongContact, 'contactId');

    const viewer = await addMember(server, a.owner, 'VIEWER');
    expectRefused(await gqlAs(viewer.accessToken, CREATE, { input: { clientId: a.client.id, currency: 'USD' } }), 'FORBIDDEN');
    const readOnlyKey = await createApiKey(server, a.owner, [Permission.ORDERS_READ]);
    expectRefused(await gqlAs(readOnlyKey.secret, CREATE, { input: { clientId: a.client.id, currency: 'USD' } }), 'FORBIDDEN');
    expect(await orderCount(a.owner.tenantId)).toBe(before);
  });

  describe('bad input: BAD_USER_INPUT naming the field, nothing created, no number used', () => {
    const line = (patch: Record<string, unknown>) => ({ ...MUG_LINE, ...patch });
    const cases: [string, Record<string, unknown>, string][] = [
      ['a negative quantity', { lines: [line({ quantity: -5 })] }, 'lines.0.quantity'],
      ['a zero quantity', { lines: [line({ quantity: 0 })] }, 'lines.0.quantity'],
      ['a quantity over 1,000,000', { lines: [line({ quantity: 1_000_001 })] }, 'lines.0.quantity'],
      ['a negative unit price', { lines: [line({ unitPrice: -1 })] }, 'lines.0.unitPrice'],
      ['a unit price over 10^11', { lines: [line({ unitPrice: 100_000_000_001 })] }, 'lines.0.unitPrice'],
      ['a negative unit cost', { lines: [line({ unitCost: -1 })] }, 'lines.0.unitCost'],
      ['an empty product name', { lines: [line({ productName: '   ' })] }, 'lines.0.productName'],
      ['a product name over 200 characters', { lines: [line({ productName: 'p'.repeat(201) })] }, 'lines.0.productName'],
      ['a SKU over 100 characters', { lines: [line({ sku: 's'.repeat(101) })] }, 'lines.0.sku'],
      ['a supplier over 200 characters', { lines: [line({ supplier: 's'.repeat(201) })] }, 'lines.0.supplier'],
      ['a decoration over 2,000 characters', { lines: [line({ decoration: 'd'.repeat(2001) })] }, 'lines.0.decoration'],
      ['a colour over 100 characters', { lines: [line({ colour: 'c'.repeat(101) })] }, 'lines.0.colour'],
      ['an unknown currency', { currency: 'XYZ' }, 'currency'],
      ['a currency that is not a code', { currency: 'dollars' }, 'currency'],
      ['notes over 10,000 characters', { notes: 'n'.repeat(10_001) }, 'notes'],
      ['201 lines', { lines: Array.from({ length: 201 }, () => MUG_LINE) }, 'lines'],
      [
        '21 external references',
        { externalReferences: Array.from({ length: 21 }, (_, i) => ({ system: 'S', kind: 'K', value: `${i}` })) },
        'externalReferences',
      ],
      [
        'an external reference value over 100 characters',
        { externalReferences: [{ system: 'S', kind: 'K', value: 'v'.repeat(101) }] },
        'externalReferences.0.value',
      ],
      ['a client id that is not a UUID', { clientId: 'not-a-uuid' }, 'clientId'],
    ];

    it.each(cases)('%s', async (_label, patch, field) => {
      const count = await orderCount(a.owner.tenantId);
      const number = await lastNumber(a.owner.tenantId);
      const response = await gqlAs(a.owner.accessToken, CREATE, { input: { clientId: a.client.id, currency: 'USD', lines: [MUG_LINE], ...patch } });
      expectBadField(response, field);
      expect(await orderCount(a.owner.tenantId)).toBe(count);
      expect(await lastNumber(a.owner.tenantId)).toBe(number);
    });

    it('refuses an impossible in-hands date', async () => {
      const response = await gqlAs(a.owner.accessToken, CREATE, { input: { clientId: a.client.id, currency: 'USD', inHandsDate: '2027-02-30' } });
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
    });

    it('refuses totals past 2^53 - 1 minor units', async () => {
      const huge = { productName: 'Gold bar', quantity: 1_000_000, unitPrice: 100_000_000_000, unitCost: 0 };
      const response = await gqlAs(a.owner.accessToken, CREATE, { input: { clientId: a.client.id, currency: 'USD', lines: [huge] } });
      expectRefused(response, 'BAD_USER_INPUT');
    });
  });
});

describe('order numbers', () => {
  it('are unique and gap-free under 20 concurrent creations', async () => {
    const fresh = await buildTenant(server);
    const created = await Promise.all(Array.from({ length: 20 }, () => createOrder(server, fresh.owner, fresh.client.id)));
    const numbers = created.map((order) => order.number).sort();
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `SO-${String(i + 1).padStart(6, '0')}`));
  });

  it('are given back by a creation that fails after taking one', async () => {
    const fresh = await buildTenant(server);
    await createOrder(server, fresh.owner, fresh.client.id);
    // One operation, one transaction: the first creation takes SO-000002, the second fails, both roll back.
    const both = await gqlAs(
      fresh.owner.accessToken,
      `mutation($ok: CreateOrderInput!, $bad: CreateOrderInput!) {
        ok: createOrder(input: $ok) { id number }
        bad: createOrder(input: $bad) { id number }
      }`,
      {
        ok: { clientId: fresh.client.id, currency: 'USD' },
        bad: { clientId: fresh.client.id, contactId: fresh.otherContact.id, currency: 'USD' },
      },
    );
    // Fields of a mutation run one after the other, so "ok" ran (and took a number) before "bad" failed.
    expect((both.body.errors ?? []).map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([['bad', 'BAD_USER_INPUT']]);
    expect(await orderCount(fresh.owner.tenantId)).toBe(1);
    expect(await lastNumber(fresh.owner.tenantId)).toBe(1);

    const next = await createOrder(server, fresh.owner, fresh.client.id);
    expect(next.number).toBe('SO-000002');
  });

  it('count per tenant', async () => {
    const fresh = await buildTenant(server);
    expect((await createOrder(server, fresh.owner, fresh.client.id)).number).toBe('SO-000001');
  });
});

describe('transitionOrder: the state machine', () => {
  const pairs = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s', async (from, to) => {
    const order = await createOrder(server, a.owner, a.client.id);
    await moveTo(a.owner.accessToken, order.id, from);
    const response = await gqlAs<{ transitionOrder: { status: string; history: History[] } }>(a.owner.accessToken, TRANSITION, { id: order.id, to });
    const current = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: order.id })).order;
    if (EXPECTED_MOVES[from].includes(to)) {
      expect(dataOf(response).transitionOrder.status).toBe(to);
      expect(current.status).toBe(to);
      expect(current.history.at(-1)).toMatchObject({ fromStatus: from, toStatus: to });
    } else {
      expectRefused(response, 'INVALID_TRANSITION');
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ from, to, allowed: EXPECTED_MOVES[from] });
      expect(current.status).toBe(from);
      expect(current.history).toHaveLength(PATH_TO[from].length + 1);
    }
  });

  it('keeps the whole history: who, from, to and when, oldest first', async () => {
    const key = await createApiKey(server, a.owner, [Permission.ORDERS_READ, Permission.ORDERS_WRITE]);
    const order = await createOrder(server, a.owner, a.client.id);
    dataOf(await gqlAs(a.owner.accessToken, TRANSITION, { id: order.id, to: 'CONFIRMED' }));
    dataOf(await gqlAs(key.secret, TRANSITION, { id: order.id, to: 'IN_PRODUCTION' }));
    dataOf(await gqlAs(a.owner.accessToken, TRANSITION, { id: order.id, to: 'CANCELLED' }));
    const { history } = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: order.id })).order;
    expect(history.map((h) => [h.fromStatus, h.toStatus, h.actorUserId, h.actorApiKeyId])).toEqual([
      [null, 'QUOTE', a.owner.userId, null],
      ['QUOTE', 'CONFIRMED', a.owner.userId, null],
      ['CONFIRMED', 'IN_PRODUCTION', null, key.id],
      ['IN_PRODUCTION', 'CANCELLED', a.owner.userId, null],
    ]);
    const times = history.map((h) => Date.parse(h.at));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });

  it('refuses an unknown status as a bad request', async () => {
    const order = await createOrder(server, a.owner, a.client.id);
    const response = await gqlAs(a.owner.accessToken, TRANSITION, { id: order.id, to: 'LOST' });
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
  });
});

describe('order lines', () => {
  it('adds, changes and removes lines, re-deriving the totals and touching the order each time', async () => {
    const order = await createOrder(server, a.owner, a.client.id);
    const initial = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: order.id })).order;

    const added = dataOf(
      await gqlAs<{ addOrderLine: Order }>(a.owner.accessToken, ADD_LINE, {
        orderId: order.id,
        line: { productName: 'Lanyard', sku: 'LAN-1', quantity: 500, unitPrice: 120, unitCost: 40, colour: 'red' },
      }),
    ).addOrderLine;
    expect(added.lines.map((l) => [l.position, l.productName])).toEqual([
      [1, 'Branded mug'],
      [2, 'Lanyard'],
    ]);
    expect(added).toMatchObject({ subtotal: 45_000 + 60_000, totalCost: 21_000 + 20_000, margin: 105_000 - 41_000 });
    expect(Date.parse(added.updatedAt)).toBeGreaterThan(Date.parse(initial.updatedAt));

    const lanyard = added.lines[1];
    const changed = dataOf(
      await gqlAs<{ updateOrderLine: Order }>(a.owner.accessToken, UPDATE_LINE, {
        id: lanyard.id,
        patch: { quantity: 1000, unitCost: 30, sku: null, decoration: 'Full-colour sublimation' },
      }),
    ).updateOrderLine;
    expect(changed.lines[1]).toMatchObject({
      quantity: 1000,
      unitPrice: 120,
      unitCost: 30,
      sku: null,
      colour: 'red',
      decoration: 'Full-colour sublimation',
      lineTotal: 120_000,
      lineCost: 30_000,
    });
    expect(changed).toMatchObject({ subtotal: 165_000, totalCost: 51_000, margin: 114_000 });
    expect(Date.parse(changed.updatedAt)).toBeGreaterThan(Date.parse(added.updatedAt));

    // A change that leaves the totals as they were still touches the order.
    const recoloured = dataOf(
      await gqlAs<{ updateOrderLine: Order }>(a.owner.accessToken, UPDATE_LINE, { id: lanyard.id, patch: { colour: 'blue' } }),
    ).updateOrderLine;
    expect(recoloured.subtotal).toBe(165_000);
    expect(Date.parse(recoloured.updatedAt)).toBeGreaterThan(Date.parse(changed.updatedAt));

    const removed = dataOf(await gqlAs<{ removeOrderLine: Order }>(a.owner.accessToken, REMOVE_LINE, { id: added.lines[0].id })).removeOrderLine;
    expect(removed.lines.map((l) => [l.position, l.productName])).toEqual([[1, 'Lanyard']]);
    expect(removed).toMatchObject({ subtotal: 120_000, totalCost: 30_000, margin: 90_000 });
    expect(Date.parse(removed.updatedAt)).toBeGreaterThan(Date.parse(recoloured.updatedAt));

    // Line mutations do not touch the history.
    expect(removed.history).toHaveLength(1);
  });

  it('are editable while QUOTE or CONFIRMED only', async () => {
    for (const status of STATUSES) {
      const order = await createOrder(server, a.owner, a.client.id);
      await moveTo(a.owner.accessToken, order.id, status);
      const before = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: order.id })).order;
      const lineId = before.lines[0].id;
      const add = await gqlAs(a.owner.accessToken, ADD_LINE, { orderId: order.id, line: MUG_LINE });
      const update = await gqlAs(a.owner.accessToken, UPDATE_LINE, { id: lineId, patch: { quantity: 7 } });
      const after = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: order.id })).order;
      if (status === 'QUOTE' || status === 'CONFIRMED') {
        expect(dataOf(add)).toBeTruthy();
        expect(dataOf(update)).toBeTruthy();
        expect(after.lines).toHaveLength(2);
        expect(dataOf(await gqlAs(a.owner.accessToken, REMOVE_LINE, { id: lineId }))).toBeTruthy();
      } else {
        expectRefused(add, 'ORDER_LOCKED');
        expectRefused(update, 'ORDER_LOCKED');
        expectRefused(await gqlAs(a.owner.accessToken, REMOVE_LINE, { id: lineId }), 'ORDER_LOCKED');
        const unchanged = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: order.id })).order;
        expect(unchanged).toEqual(before);
      }
    }
  });

  it('refuses a 201st line and bad line input', async () => {
    const order = await createOrder(server, a.owner, a.client.id, {
      lines: Array.from({ length: 200 }, (_, i) => ({ ...MUG_LINE, productName: `Item ${i + 1}` })),
    });
    const full = await gqlAs(a.owner.accessToken, ADD_LINE, { orderId: order.id, line: MUG_LINE });
    expectRefused(full, 'BAD_USER_INPUT');

    const small = await createOrder(server, a.owner, a.client.id);
    const { lines } = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: small.id })).order;
    expectBadField(await gqlAs(a.owner.accessToken, ADD_LINE, { orderId: small.id, line: { ...MUG_LINE, quantity: -1 } }), 'line.quantity');
    expectBadField(await gqlAs(a.owner.accessToken, UPDATE_LINE, { id: lines[0].id, patch: { quantity: 0 } }), 'patch.quantity');
    expectBadField(await gqlAs(a.owner.accessToken, UPDATE_LINE, { id: lines[0].id, patch: { productName: null } }), 'patch.productName');
    expectBadField(await gqlAs(a.owner.accessToken, UPDATE_LINE, { id: lines[0].id, patch: { unitPrice: -3 } }), 'patch.unitPrice');
    const after = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: small.id })).order;
    expect(after.lines).toEqual(lines);
  });

  it('answers NOT_FOUND for an unknown line', async () => {
    const unknown = '01a210ef-0000-7000-8000-000000000000';
    expectRefused(await gqlAs(a.owner.accessToken, UPDATE_LINE, { id: unknown, patch: { quantity: 2 } }), 'NOT_FOUND');
    expectRefused(await gqlAs(a.owner.accessToken, REMOVE_LINE, { id: unknown }), 'NOT_FOUND');
    expectRefused(await gqlAs(a.owner.accessToken, ADD_LINE, { orderId: unknown, line: MUG_LINE }), 'NOT_FOUND');
  });
});

describe('updateOrder', () => {
  it('changes the fields given, clears with null, and moves updatedAt', async () => {
    const order = await createOrder(server, a.owner, a.client.id, {
      contactId: a.contact.id,
      notes: 'first',
      inHandsDate: '2027-01-10',
      externalReferences: [{ system: 'SAGE', kind: 'PO', value: 'PO-1' }],
    });
    const before = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: order.id })).order;
    const changed = dataOf(
      await gqlAs<{ updateOrder: Order }>(a.owner.accessToken, UPDATE, {
        id: order.id,
        patch: { notes: 'second', inHandsDate: '2027-02-01', currency: 'cad', externalReferences: [{ system: 'QUICKBOOKS', kind: 'INVOICE', value: '1042' }] },
      }),
    ).updateOrder;
    expect(changed).toMatchObject({
      notes: 'second',
      inHandsDate: '2027-02-01',
      currency: 'CAD',
      contactId: a.contact.id,
      externalReferences: [{ system: 'QUICKBOOKS', kind: 'INVOICE', value: '1042' }],
      lines: before.lines,
      subtotal: before.subtotal,
    });
    expect(Date.parse(changed.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));

    const cleared = dataOf(
      await gqlAs<{ updateOrder: Order }>(a.owner.accessToken, UPDATE, {
        id: order.id,
        patch: { notes: null, inHandsDate: null, contactId: null, externalReferences: null },
      }),
    ).updateOrder;
    expect(cleared).toMatchObject({ notes: null, inHandsDate: null, contactId: null, contact: null, externalReferences: [], currency: 'CAD' });

    const withContact = dataOf(
      await gqlAs<{ updateOrder: Order }>(a.owner.accessToken, UPDATE, { id: order.id, patch: { contactId: a.contact.id } }),
    ).updateOrder;
    expect(withContact.contact?.id).toBe(a.contact.id);
  });

  it('refuses a contact of another client, a bad currency, and the currency after the quote', async () => {
    const order = await createOrder(server, a.owner, a.client.id);
    expectBadField(await gqlAs(a.owner.accessToken, UPDATE, { id: order.id, patch: { contactId: a.otherContact.id } }), 'patch.contactId');
    expectBadField(await gqlAs(a.owner.accessToken, UPDATE, { id: order.id, patch: { currency: 'XYZ' } }), 'patch.currency');
    expectBadField(await gqlAs(a.owner.accessToken, UPDATE, { id: order.id, patch: { notes: 'x'.repeat(10_001) } }), 'patch.notes');

    dataOf(await gqlAs(a.owner.accessToken, TRANSITION, { id: order.id, to: 'CONFIRMED' }));
    expectRefused(await gqlAs(a.owner.accessToken, UPDATE, { id: order.id, patch: { currency: 'GBP', notes: 'with currency' } }), 'ORDER_LOCKED');
    const after = dataOf(await gqlAs<{ order: Order }>(a.owner.accessToken, GET, { id: order.id })).order;
    expect(after).toMatchObject({ currency: 'USD', notes: null });
    // Everything else stays editable after the quote, and the same currency is no change.
    const noted = dataOf(
      await gqlAs<{ updateOrder: Order }>(a.owner.accessToken, UPDATE, { id: order.id, patch: { currency: 'USD', notes: 'ok' } }),
    ).updateOrder;
    expect(noted.notes).toBe('ok');
  });
});

describe('order and orders queries', () => {
  let t: Tenant;
  /** Orders of the list tenant, oldest first. */
  let made: { id: string; number: string }[];

  beforeAll(async () => {
    t = await buildTenant(server);
    await createClient(server, t.owner, { name: '100% Cotton Co' });
    made = [];
    for (let i = 0; i < 7; i++) {
      made.push(await createOrder(server, t.owner, i % 2 === 0 ? t.client.id : t.otherClient.id));
    }
    dataOf(await gqlAs(t.owner.accessToken, TRANSITION, { id: made[1].id, to: 'CONFIRMED' }));
    dataOf(await gqlAs(t.owner.accessToken, TRANSITION, { id: made[2].id, to: 'CANCELLED' }));
  });

  const list = (variables: Record<string, unknown>, token = t.owner.accessToken) => gqlAs<ListData>(token, LIST, variables);
  const numbersOf = (data: ListData) => data.orders.edges.map((edge) => edge.node.number);

  it('reads an order by id, NOT_FOUND for an unknown id, BAD_USER_INPUT for a malformed one', async () => {
    const order = dataOf(await gqlAs<{ order: Order }>(t.owner.accessToken, GET, { id: made[0].id })).order;
    expect(order).toMatchObject({ id: made[0].id, number: made[0].number, client: { id: t.client.id } });
    expectRefused(await gqlAs(t.owner.accessToken, GET, { id: '01a210ef-0000-7000-8000-000000000000' }), 'NOT_FOUND');
    expectBadField(await gqlAs(t.owner.accessToken, GET, { id: 'SO-000001' }), 'id');
  });

  it('lists newest first by default, with totalCount', async () => {
    const data = dataOf(await list({}));
    expect(numbersOf(data)).toEqual(made.map((o) => o.number).reverse());
    expect(data.orders.totalCount).toBe(7);
    expect(data.orders.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('pages forward and backward without gaps or repeats', async () => {
    const sort = { field: 'NUMBER', direction: 'ASC' };
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: ListData = dataOf(await list({ first: 3, after, sort }));
      seen.push(...numbersOf(data));
      if (!data.orders.pageInfo.hasNextPage) break;
      after = data.orders.pageInfo.endCursor;
    }
    expect(seen).toEqual(made.map((o) => o.number));

    const back: string[] = [];
    let before: string | null = null;
    for (;;) {
      const data: ListData = dataOf(await list({ last: 3, before, sort }));
      back.unshift(...numbersOf(data));
      if (!data.orders.pageInfo.hasPreviousPage) break;
      before = data.orders.pageInfo.startCursor;
    }
    expect(back).toEqual(made.map((o) => o.number));
  });

  it('pages by CREATED_AT and UPDATED_AT in both directions', async () => {
    for (const field of ['CREATED_AT', 'UPDATED_AT']) {
      for (const direction of ['ASC', 'DESC']) {
        const all = numbersOf(dataOf(await list({ first: 100, sort: { field, direction } })));
        const paged: string[] = [];
        let after: string | null = null;
        for (;;) {
          const data: ListData = dataOf(await list({ first: 2, after, sort: { field, direction } }));
          paged.push(...numbersOf(data));
          if (!data.orders.pageInfo.hasNextPage) break;
          after = data.orders.pageInfo.endCursor;
        }
        expect(paged).toEqual(all);
        expect(new Set(paged).size).toBe(7);
      }
    }
    // UPDATED_AT ASC puts the two orders changed last at the end.
    const byUpdate = numbersOf(dataOf(await list({ first: 100, sort: { field: 'UPDATED_AT', direction: 'ASC' } })));
    expect(byUpdate.slice(-2)).toEqual([made[1].number, made[2].number]);
  });

  it('filters by status, client, creation and update time', async () => {
    expect(numbersOf(dataOf(await list({ filter: { status: ['CONFIRMED', 'CANCELLED'] }, sort: { field: 'NUMBER', direction: 'ASC' } })))).toEqual([
      made[1].number,
      made[2].number,
    ]);
    const byClient = dataOf(await list({ filter: { clientId: t.otherClient.id } }));
    expect(byClient.orders.edges.every((edge) => edge.node.clientId === t.otherClient.id)).toBe(true);
    expect(byClient.orders.totalCount).toBe(3);

    const all = dataOf(await list({ first: 100, sort: { field: 'NUMBER', direction: 'ASC' } })).orders.edges.map((edge) => edge.node);
    const pivot = all[3];
    expect(numbersOf(dataOf(await list({ filter: { createdAfter: pivot.createdAt }, sort: { field: 'NUMBER', direction: 'ASC' } })))).toEqual(
      all.slice(4).map((n) => n.number),
    );
    expect(numbersOf(dataOf(await list({ filter: { createdBefore: pivot.createdAt }, sort: { field: 'NUMBER', direction: 'ASC' } })))).toEqual(
      all.slice(0, 3).map((n) => n.number),
    );
    const touched = all[2];
    expect(numbersOf(dataOf(await list({ filter: { updatedAfter: all[1].updatedAt } })))).toEqual([touched.number]);
    expect(dataOf(await list({ filter: { updatedBefore: all[0].updatedAt } })).orders.totalCount).toBe(0);
  });

  it('searches order numbers and client names case-insensitively, with LIKE wildcards taken literally', async () => {
    expect(numbersOf(dataOf(await list({ filter: { search: made[4].number.toLowerCase() } })))).toEqual([made[4].number]);
    const byName = dataOf(await list({ filter: { search: t.otherClient.name.slice(0, 6).toUpperCase() } }));
    expect(byName.orders.totalCount).toBe(3);
    // "%" and "_" match themselves only: no client name contains "%" but the order-less "100% Cotton Co".
    expect(dataOf(await list({ filter: { search: '%' } })).orders.totalCount).toBe(0);
    expect(dataOf(await list({ filter: { search: 'SO_0' } })).orders.totalCount).toBe(0);
  });

  it('refuses CHANGED descending, a forged cursor, and pages over 100', async () => {
    expectBadField(await list({ filter: { updatedAfter: '2020-01-01T00:00:00Z' }, sort: { field: 'CHANGED', direction: 'DESC' } }), 'sort.direction');
    expectRefused(await list({ after: 'not-a-cursor' }), 'BAD_USER_INPUT');
    const forged = Buffer.from(JSON.stringify(['2026-02-30T00:00:00.000000Z', '01a210ef-0000-7000-8000-000000000000'])).toString('base64url');
    expectRefused(await list({ after: forged }), 'BAD_USER_INPUT');
    const wrongKind = Buffer.from(JSON.stringify([12, '01a210ef-0000-7000-8000-000000000000'])).toString('base64url');
    expectRefused(await list({ after: wrongKind, sort: { field: 'CHANGED' } }), 'BAD_USER_INPUT');
    expectRefused(await list({ first: 101 }), 'BAD_USER_INPUT');
  });

  it('needs ORDERS_READ', async () => {
    const key = await createApiKey(server, t.owner, [Permission.CLIENTS_READ]);
    expectRefused(await list({}, key.secret), 'FORBIDDEN');
    expectRefused(await gqlAs(key.secret, GET, { id: made[0].id }), 'FORBIDDEN');
    const viewer = await addMember(server, t.owner, 'VIEWER');
    expect(dataOf(await list({}, viewer.accessToken)).orders.totalCount).toBe(7);
  });
});

describe('field access', () => {
  let rep: Member;
  let orderId: string;

  beforeAll(async () => {
    rep = await addMember(server, a.owner, 'SALES_REP');
    orderId = (await createOrder(server, a.owner, a.client.id, { contactId: a.contact.id })).id;
  });

  const FINANCIALS = `query($id: ID!) { order(id: $id) { subtotal totalCost margin lines { lineTotal unitPrice unitCost lineCost } } }`;

  it('shows a SALES_REP prices but not costs or margins', async () => {
    const response = await gqlAs<{
      order: { subtotal: number; totalCost: null; margin: null; lines: { lineTotal: number; unitPrice: number; unitCost: null; lineCost: null }[] };
    }>(rep.accessToken, FINANCIALS, { id: orderId });
    expect(response.body.data?.order).toEqual({
      subtotal: 45_000,
      totalCost: null,
      margin: null,
      lines: [{ lineTotal: 45_000, unitPrice: 450, unitCost: null, lineCost: null }],
    });
    const forbidden = (response.body.errors ?? []).map((e) => [e.extensions?.code, e.extensions?.requiredPermission, e.path?.join('.')]);
    expect(forbidden).toEqual(
      expect.arrayContaining([
        ['FORBIDDEN_FIELD', 'FINANCIALS_READ', 'order.totalCost'],
        ['FORBIDDEN_FIELD', 'FINANCIALS_READ', 'order.margin'],
        ['FORBIDDEN_FIELD', 'FINANCIALS_READ', 'order.lines.0.unitCost'],
        ['FORBIDDEN_FIELD', 'FINANCIALS_READ', 'order.lines.0.lineCost'],
      ]),
    );
    expect(forbidden).toHaveLength(4);

    const owner = dataOf(await gqlAs<{ order: { totalCost: number; margin: number } }>(a.owner.accessToken, FINANCIALS, { id: orderId })).order;
    expect(owner).toMatchObject({ totalCost: 21_000, margin: 24_000 });
  });

  it('lets a SALES_REP write orders, costs included', async () => {
    const created = await gqlAs<{ createOrder: { subtotal: number } }>(
      rep.accessToken,
      `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id subtotal } }`,
      {
        input: { clientId: a.client.id, currency: 'USD', lines: [MUG_LINE] },
      },
    );
    expect(dataOf(created).createOrder.subtotal).toBe(45_000);
  });

  it('shows an API key without PII_READ contacts without email and phone', async () => {
    const CONTACT = `query($id: ID!) { order(id: $id) { number contact { id firstName lastName email phone } } }`;
    const key = await createApiKey(server, a.owner, [Permission.ORDERS_READ]);
    const response = await gqlAs<{ order: { contact: Record<string, unknown> } }>(key.secret, CONTACT, { id: orderId });
    expect(response.body.data?.order.contact).toEqual({ id: a.contact.id, firstName: 'Ada', lastName: 'Buyer', email: null, phone: null });
    expect((response.body.errors ?? []).map((e) => [e.extensions?.code, e.path?.join('.')])).toEqual([
      ['FORBIDDEN_FIELD', 'order.contact.email'],
      ['FORBIDDEN_FIELD', 'order.contact.phone'],
    ]);

    const piiKey = await createApiKey(server, a.owner, [Permission.ORDERS_READ, Permission.PII_READ]);
    const full = dataOf(await gqlAs<{ order: { contact: Record<string, unknown> } }>(piiKey.secret, CONTACT, { id: orderId }));
    expect(full.order.contact).toMatchObject({ email: 'ada@northwind.test', phone: '+1 555 0100' });
  });
});

describe("tenant isolation: another tenant's ids read as not found", () => {
  let bOrder: Order;
  let bRow: Record<string, unknown>;
  let bLines: Record<string, unknown>[];

  beforeAll(async () => {
    const created = await createOrder(server, b.owner, b.client.id, { contactId: b.contact.id });
    bOrder = dataOf(await gqlAs<{ order: Order }>(b.owner.accessToken, GET, { id: created.id })).order;
    [bRow] = await privilegedQuery('select * from "order" where id = $1', [bOrder.id]);
    bLines = await privilegedQuery('select * from order_line where order_id = $1 order by position', [bOrder.id]);
  });

  afterAll(async () => {
    // B's order and lines are exactly as they were.
    expect((await privilegedQuery('select * from "order" where id = $1', [bOrder.id]))[0]).toEqual(bRow);
    expect(await privilegedQuery('select * from order_line where order_id = $1 order by position', [bOrder.id])).toEqual(bLines);
    expect(dataOf(await gqlAs<{ order: Order }>(b.owner.accessToken, GET, { id: bOrder.id })).order).toEqual(bOrder);
  });

  const token = () => a.owner.accessToken;

  it('order(id)', async () => {
    expectRefused(await gqlAs(token(), GET, { id: bOrder.id }), 'NOT_FOUND');
  });

  it('orders(filter: { clientId }) and plain lists', async () => {
    const byClient = dataOf(await gqlAs<ListData>(token(), LIST, { filter: { clientId: b.client.id } }));
    expect(byClient.orders.totalCount).toBe(0);
    const all = dataOf(await gqlAs<ListData>(token(), LIST, { first: 100, filter: { search: bOrder.number } }));
    expect(all.orders.edges.map((edge) => edge.node.id)).not.toContain(bOrder.id);
  });

  it('updateOrder, transitionOrder and addOrderLine', async () => {
    expectRefused(await gqlAs(token(), UPDATE, { id: bOrder.id, patch: { notes: 'hijacked' } }), 'NOT_FOUND');
    expectRefused(await gqlAs(token(), TRANSITION, { id: bOrder.id, to: 'CANCELLED' }), 'NOT_FOUND');
    expectRefused(await gqlAs(token(), ADD_LINE, { orderId: bOrder.id, line: MUG_LINE }), 'NOT_FOUND');
  });

  it('updateOrderLine and removeOrderLine', async () => {
    expectRefused(await gqlAs(token(), UPDATE_LINE, { id: bOrder.lines[0].id, patch: { quantity: 1 } }), 'NOT_FOUND');
    expectRefused(await gqlAs(token(), REMOVE_LINE, { id: bOrder.lines[0].id }), 'NOT_FOUND');
  });

  it("createOrder with another tenant's client or contact, nothing created", async () => {
    const before = await orderCount(a.owner.tenantId);
    const number = await lastNumber(a.owner.tenantId);
    expectRefused(await gqlAs(token(), CREATE, { input: { clientId: b.client.id, currency: 'USD' } }), 'NOT_FOUND');
    expectRefused(await gqlAs(token(), CREATE, { input: { clientId: a.client.id, contactId: b.contact.id, currency: 'USD' } }), 'NOT_FOUND');
    expect(await orderCount(a.owner.tenantId)).toBe(before);
    expect(await lastNumber(a.owner.tenantId)).toBe(number);
  });

  it("updateOrder with another tenant's contact", async () => {
    const own = await createOrder(server, a.owner, a.client.id);
    expectRefused(await gqlAs(token(), UPDATE, { id: own.id, patch: { contactId: b.contact.id } }), 'NOT_FOUND');
  });

  it('an API key of tenant A', async () => {
    const key = await createApiKey(server, a.owner, [Permission.ORDERS_READ, Permission.ORDERS_WRITE]);
    expectRefused(await gqlAs(key.secret, GET, { id: bOrder.id }), 'NOT_FOUND');
    expectRefused(await gqlAs(key.secret, TRANSITION, { id: bOrder.id, to: 'CONFIRMED' }), 'NOT_FOUND');
  });
});
