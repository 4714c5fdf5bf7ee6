import { expect } from '@jest/globals';
import { Client as PgClient } from 'pg';
import { Permission } from '../src/common/authorization/permission.js';
import { createApiKey, createClient, createContact, createOrder, signUpOwner, type SignedUpOwner, PARTNER_ORDERS } from './support/fixtures.js';
import { dataOf, startTestServer, type TestServer } from './support/test-server.js';
import { ifCreated } from './support/required';

/**
 * The partner change feed: `orders(filter: { updatedAfter }, sort: { field: CHANGED, direction: ASC })`, paged with an
 * API key while orders are created and changed. Nothing may be missed, and an order comes again only if it changed.
 */

/** The same feed with small pages and the notes, to see changes travel through several pages. */
const FEED = /* GraphQL */ `
  query ($since: DateTime!, $after: String, $first: Int) {
    orders(first: $first, after: $after, filter: { updatedAfter: $since }, sort: { field: CHANGED, direction: ASC }) {
      edges {
        cursor
        node {
          id
          number
          notes
          updatedAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

const UPDATE_NOTES = `mutation($id: ID!, $notes: String) { updateOrder(id: $id, patch: { notes: $notes }) { id notes } }`;

interface FeedNode {
  id: string;
  number: string;
  notes: string | null;
  updatedAt: string;
}

interface FeedData {
  orders: { edges: { cursor: string; node: FeedNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

const onPostgreSQL = process.env.TEST_EMBEDDED_DATABASE !== '1';

let server: TestServer;
let owner: SignedUpOwner;
let clientId: string;
let contactId: string;

beforeAll(async () => {
  server = await startTestServer();
  owner = await signUpOwner(server);
  clientId = (await createClient(server, owner)).id;
  contactId = (await createContact(server, owner, clientId, { email: 'buyer@client.test', phone: '+1 555 0199' })).id;
});

afterAll(async () => {
  await ifCreated(server)?.close();
});

/** A partner: keeps its cursor between calls, as an integration would between syncs. */
class Partner {
  cursor: string | null = null;
  readonly deliveries: FeedNode[] = [];

  constructor(
    private readonly key: string,
    private readonly since: string,
    private readonly pageSize: number,
  ) {}

  /** One page; returns whether the feed says there is more. */
  async page(): Promise<boolean> {
    const data = dataOf(
      await server.gql<FeedData>({ query: FEED, variables: { since: this.since, after: this.cursor, first: this.pageSize }, token: this.key }),
    );
    this.deliveries.push(...data.orders.edges.map((edge) => edge.node));
    // An empty page has no endCursor: keep the last one and page on from it later.
    if (data.orders.pageInfo.endCursor) this.cursor = data.orders.pageInfo.endCursor;
    return data.orders.pageInfo.hasNextPage;
  }

  /** Pages to the end, again and again, until `done` holds: on PostgreSQL other suites' transactions can hold the feed back briefly. */
  async syncUntil(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      while (await this.page());
      if (done() || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  latest(id: string): FeedNode | undefined {
    return this.deliveries.filter((node) => node.id === id).at(-1);
  }

  timesDelivered(id: string): number {
    return this.deliveries.filter((node) => node.id === id).length;
  }
}

describe('the partner query', () => {
  it('runs exactly as written, with an API key holding ORDERS_READ and PII_READ', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const order = await createOrder(server, owner, clientId, {
      contactId,
      inHandsDate: '2027-05-01',
      externalReferences: [{ system: 'SAGE', kind: 'PO', value: 'PO-9' }],
      lines: [
        {
          productName: 'Cap',
          sku: 'CAP-1',
          supplier: 'Hats Ltd',
          quantity: 40,
          unitPrice: 900,
          unitCost: 300,
          decoration: 'Embroidered logo',
          colour: 'black',
        },
      ],
    });
    const key = await createApiKey(server, owner, [Permission.ORDERS_READ, Permission.PII_READ]);
    let node: Record<string, unknown> | undefined;
    const deadline = Date.now() + 10_000;
    while (!node && Date.now() < deadline) {
      const data = dataOf(
        await server.gql<{ orders: { edges: { cursor: string; node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean } } }>({
          query: PARTNER_ORDERS,
          variables: { since },
          token: key.secret,
        }),
      );
      node = data.orders.edges.find((edge) => edge.node.id === order.id)?.node;
    }
    expect(node).toEqual({
      id: order.id,
      number: order.number,
      status: 'QUOTE',
      currency: 'USD',
      inHandsDate: '2027-05-01',
      updatedAt: expect.any(String),
      subtotal: 36_000,
      externalReferences: [{ system: 'SAGE', kind: 'PO', value: 'PO-9' }],
      client: { id: clientId, name: expect.any(String) },
      contact: { id: contactId, firstName: 'Casey', lastName: expect.any(String), email: 'buyer@client.test', phone: '+1 555 0199' },
      lines: [
        {
          id: expect.any(String),
          position: 1,
          productName: 'Cap',
          sku: 'CAP-1',
          supplier: 'Hats Ltd',
          quantity: 40,
          unitPrice: 900,
          lineTotal: 36_000,
          decoration: 'Embroidered logo',
          colour: 'black',
        },
      ],
    });
  });

  it('refuses a key without ORDERS_READ, and hides email and phone from a key without PII_READ', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const clientsOnly = await createApiKey(server, owner, [Permission.CLIENTS_READ]);
    const refused = await server.gql({ query: PARTNER_ORDERS, variables: { since }, token: clientsOnly.secret });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const ordersOnly = await createApiKey(server, owner, [Permission.ORDERS_READ]);
    const masked = await server.gql<{ orders: { edges: { node: { contact: Record<string, unknown> | null } }[] } }>({
      query: PARTNER_ORDERS,
      variables: { since },
      token: ordersOnly.secret,
    });
    const contacts = masked.body.data?.orders.edges.map((edge) => edge.node.contact).filter((contact) => contact !== null) ?? [];
    expect(contacts.length).toBeGreaterThan(0);
    for (const contact of contacts) expect(contact).toMatchObject({ email: null, phone: null, firstName: 'Casey' });
    const codes = new Set(masked.body.errors?.map((error) => `${error.extensions?.code}:${error.path?.at(-1)}`));
    expect(codes).toEqual(new Set(['FORBIDDEN_FIELD:email', 'FORBIDDEN_FIELD:phone']));
  });
});

describe('paging the change feed while orders change', () => {
  it('misses nothing, and repeats an order only after it changed', async () => {
    const tenant = await signUpOwner(server);
    const tenantClient = (await createClient(server, tenant)).id;
    const key = await createApiKey(server, tenant, [Permission.ORDERS_READ]);
    const since = new Date(Date.now() - 1000).toISOString();
    /** The notes each order has now, as the test wrote them. */
    const current = new Map<string, string | null>();
    /** How often each order was changed after the partner had first received it. */
    const changesAfterDelivery = new Map<string, number>();

    const create = async (notes: string) => {
      const order = await createOrder(server, tenant, tenantClient, { notes });
      current.set(order.id, notes);
    };
    const change = async (id: string, notes: string) => {
      const partnerHadIt = partner.timesDelivered(id) > 0;
      await server.gql({ query: UPDATE_NOTES, variables: { id, notes }, token: tenant.accessToken });
      current.set(id, notes);
      if (partnerHadIt) changesAfterDelivery.set(id, (changesAfterDelivery.get(id) ?? 0) + 1);
    };

    for (let i = 0; i < 8; i++) await create(`initial ${i}`);
    const partner = new Partner(key.secret, since, 3);

    // Page by page, with creations and changes in between: of orders already received and of orders still ahead.
    for (let round = 0; round < 6; round++) {
      await partner.page();
      const delivered = [...current.keys()].filter((id) => partner.timesDelivered(id) > 0);
      const ahead = [...current.keys()].filter((id) => partner.timesDelivered(id) === 0);
      await create(`created in round ${round}`);
      if (delivered.length) await change(delivered[round % delivered.length], `changed in round ${round}`);
      if (ahead.length) await change(ahead[ahead.length - 1], `changed ahead in round ${round}`);
    }
    await partner.syncUntil(() => [...current].every(([id, notes]) => partner.latest(id)?.notes === notes));

    // Nothing missed: every order reached the partner, in its latest state.
    for (const [id, notes] of current) expect(partner.latest(id)?.notes).toBe(notes);
    // Nothing repeated without a change: an order came at most once more per change after the partner had it.
    for (const id of current.keys()) {
      expect(partner.timesDelivered(id)).toBeLessThanOrEqual(1 + (changesAfterDelivery.get(id) ?? 0));
    }
    const unchanged = [...current.keys()].filter((id) => !changesAfterDelivery.has(id));
    expect(unchanged.length).toBeGreaterThan(0);
    for (const id of unchanged) expect(partner.timesDelivered(id)).toBe(1);
    expect([...changesAfterDelivery.keys()].some((id) => partner.timesDelivered(id) > 1)).toBe(true);

    // A later sync from the kept cursor brings exactly what changed since.
    const before = partner.deliveries.length;
    const [someId] = current.keys();
    await change(someId, 'changed for the next sync');
    await partner.syncUntil(() => partner.latest(someId)?.notes === 'changed for the next sync');
    expect(partner.deliveries.slice(before).map((node) => [node.id, node.notes])).toEqual([[someId, 'changed for the next sync']]);
  });

  it('lists nothing changed before updatedAfter, and nothing of another tenant', async () => {
    const tenant = await signUpOwner(server);
    const tenantClient = (await createClient(server, tenant)).id;
    const old = await createOrder(server, tenant, tenantClient);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const fresh = await createOrder(server, tenant, tenantClient);
    const key = await createApiKey(server, tenant, [Permission.ORDERS_READ]);
    const partner = new Partner(key.secret, since, 50);
    await partner.syncUntil(() => partner.timesDelivered(fresh.id) > 0);
    expect(partner.deliveries.map((node) => node.id)).toEqual([fresh.id]);
    expect(partner.timesDelivered(old.id)).toBe(0);
  });
});

describe('a change that commits late', () => {
  it('is delivered after it commits, even though later changes committed first', async () => {
    const tenant = await signUpOwner(server);
    const tenantClient = (await createClient(server, tenant)).id;
    const key = await createApiKey(server, tenant, [Permission.ORDERS_READ]);
    const since = new Date(Date.now() - 1000).toISOString();
    const [first, second] = [await createOrder(server, tenant, tenantClient), await createOrder(server, tenant, tenantClient)];
    const partner = new Partner(key.secret, since, 50);
    await partner.syncUntil(() => partner.timesDelivered(first.id) > 0 && partner.timesDelivered(second.id) > 0);

    if (onPostgreSQL) {
      // A writer that started before the others and commits after them: its transaction id is the lowest of the three.
      const slow = new PgClient({ connectionString: process.env.DATABASE_URL });
      await slow.connect();
      try {
        await slow.query('begin');
        await slow.query(`update "order" set notes = 'late', updated_at = now() where id = $1`, [first.id]);
        await server.gql({ query: UPDATE_NOTES, variables: { id: second.id, notes: 'early' }, token: tenant.accessToken });
        const third = await createOrder(server, tenant, tenantClient);

        // While the slow writer is open, the feed holds back everything written after it started.
        const beforeCommit = partner.deliveries.length;
        while (await partner.page());
        expect(partner.deliveries.slice(beforeCommit)).toEqual([]);

        await slow.query('commit');
        await partner.syncUntil(() => partner.timesDelivered(third.id) > 0 && partner.latest(first.id)?.notes === 'late');
        const after = partner.deliveries.slice(beforeCommit);
        expect(after.map((node) => [node.id, node.notes])).toEqual([
          [first.id, 'late'],
          [second.id, 'early'],
          [third.id, null],
        ]);
      } finally {
        await slow.query('rollback').catch(() => undefined);
        await slow.end();
      }
    } else {
      // PGlite runs one transaction at a time, so no transaction can stay open while the feed is read: here the
      // feed is only seen to deliver a committed change once.
      await server.gql({ query: UPDATE_NOTES, variables: { id: first.id, notes: 'late' }, token: tenant.accessToken });
      await partner.syncUntil(() => partner.latest(first.id)?.notes === 'late');
      expect(partner.deliveries.map((node) => [node.id, node.notes]).slice(-1)).toEqual([[first.id, 'late']]);
    }
  });
});

describe('feed marks: where the first page of a sync starts', () => {
  interface Mark {
    change_xid: string;
    updated_up_to: Date;
  }

  /** A privileged connection to the run's database, to look at marks and orders below row-level security. */
  let db: PgClient;
  beforeAll(async () => {
    db = new PgClient({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await ifCreated(db)?.end();
  });

  const marksOf = async (tenantId: string) =>
    (await db.query<Mark>(`select change_xid::text, updated_up_to from order_feed_mark where tenant_id = $1 order by updated_up_to`, [tenantId])).rows;

  /**
   * Writes an order through the API until its trigger records a mark (on a shared PostgreSQL another session's open
   * transaction can hold the snapshot's xmin below every order of the tenant, and then no mark is due yet). Earlier
   * marks are removed first, so that the once-a-minute limit lets the write record one.
   */
  async function markByWriting(tenant: SignedUpOwner, orderId: string): Promise<Mark> {
    const deadline = Date.now() + 10_000;
    for (let i = 0; Date.now() < deadline; i++) {
      await db.query(`delete from order_feed_mark where tenant_id = $1`, [tenant.tenantId]);
      await server.gql({ query: UPDATE_NOTES, variables: { id: orderId, notes: `marking ${i}` }, token: tenant.accessToken });
      const mark = (await marksOf(tenant.tenantId)).at(0);
      if (mark) return mark;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no feed mark was recorded');
  }

  /** A `since` after the mark's updatedUpTo (read to the millisecond, the API's precision): the first page starts from it. */
  const sinceAtOrAfter = (mark: Mark) => new Date(mark.updated_up_to.getTime() + 1).toISOString();

  it('are written by order writes, once a minute per tenant, and no order below a mark was updated after it', async () => {
    const tenant = await signUpOwner(server);
    const tenantClient = (await createClient(server, tenant)).id;
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await createOrder(server, tenant, tenantClient));
    await markByWriting(tenant, orders[0].id);
    for (let i = 0; i < 3; i++) orders.push(await createOrder(server, tenant, tenantClient));
    // Further writes within the minute record no more marks.
    expect(await marksOf(tenant.tenantId)).toHaveLength(1);

    const broken = await db.query(
      `select o.id from "order" o join order_feed_mark m on m.tenant_id = o.tenant_id
        where o.tenant_id = $1 and o.change_xid < m.change_xid and o.updated_at > m.updated_up_to`,
      [tenant.tenantId],
    );
    expect(broken.rows).toEqual([]);
    // Writes without a tenant (migrations, maintenance) record none.
    await db.query(`update "order" set notes = 'maintenance' where id = $1`, [orders[1].id]);
    expect(await marksOf(tenant.tenantId)).toHaveLength(1);
  });

  it('a sync since a mark delivers exactly the orders updated after `since`, in change order', async () => {
    const tenant = await signUpOwner(server);
    const tenantClient = (await createClient(server, tenant)).id;
    const key = await createApiKey(server, tenant, [Permission.ORDERS_READ]);
    // An order left unchanged before `since`: with every order changed after it, the first page would start at the
    // tenant's first change (a full sync) and never read a mark.
    const unchanged = await createOrder(server, tenant, tenantClient);
    const before = [await createOrder(server, tenant, tenantClient), await createOrder(server, tenant, tenantClient)];
    const mark = await markByWriting(tenant, before[0].id);
    const since = sinceAtOrAfter(mark);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = [await createOrder(server, tenant, tenantClient), await createOrder(server, tenant, tenantClient)];
    await server.gql({ query: UPDATE_NOTES, variables: { id: before[1].id, notes: 'changed after the mark' }, token: tenant.accessToken });

    const expected = await db.query<{ id: string }>(`select id from "order" where tenant_id = $1 and updated_at > $2 order by change_xid, id`, [
      tenant.tenantId,
      since,
    ]);
    expect(expected.rows.map((row) => row.id)).toEqual(expect.arrayContaining([...after.map((order) => order.id), before[1].id]));
    expect(expected.rows.map((row) => row.id)).not.toContain(unchanged.id);
    const partner = new Partner(key.secret, since, 2);
    await partner.syncUntil(() => expected.rows.every((row) => partner.timesDelivered(row.id) > 0));
    expect(partner.deliveries.map((node) => node.id)).toEqual(expected.rows.map((row) => row.id));
  });

  (onPostgreSQL ? it : it.skip)('start below a writer that was still open when the mark was made', async () => {
    const tenant = await signUpOwner(server);
    const tenantClient = (await createClient(server, tenant)).id;
    const key = await createApiKey(server, tenant, [Permission.ORDERS_READ]);
    // Left unchanged before `since`, so that the first page starts from the mark rather than as a full sync.
    const unchanged = await createOrder(server, tenant, tenantClient);
    const [late, other] = [await createOrder(server, tenant, tenantClient), await createOrder(server, tenant, tenantClient)];

    const slow = new PgClient({ connectionString: server.databaseUrl });
    await slow.connect();
    try {
      await slow.query('begin');
      await slow.query(`update "order" set notes = 'late', updated_at = now() where id = $1`, [late.id]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      // The mark is made while the slow writer is open: it must start at or below the slow writer's change.
      const mark = await markByWriting(tenant, other.id);
      const since = sinceAtOrAfter(mark);
      const partner = new Partner(key.secret, since, 50);
      // Held back while the slow writer is open, as every change after it is.
      while (await partner.page());
      expect(partner.deliveries).toEqual([]);

      await slow.query('commit');
      const changed = await db.query<{ id: string }>(`select id from "order" where tenant_id = $1 and updated_at > $2 order by change_xid, id`, [
        tenant.tenantId,
        since,
      ]);
      expect(changed.rows.map((row) => row.id)).toContain(late.id);
      expect(changed.rows.map((row) => row.id)).not.toContain(unchanged.id);
      // A new partner from the same `since`: its first page starts from the mark and still finds the late change.
      const fresh = new Partner(key.secret, since, 50);
      // Until every change is delivered: a transaction open elsewhere on the server (another suite, another database)
      // may hold the newer change back for a moment, never the order it comes in.
      await fresh.syncUntil(() => fresh.latest(late.id)?.notes === 'late' && changed.rows.every((row) => fresh.timesDelivered(row.id) > 0));
      expect(fresh.deliveries.map((node) => node.id)).toEqual(changed.rows.map((row) => row.id));
      expect(fresh.latest(late.id)?.notes).toBe('late');
    } finally {
      await slow.query('rollback').catch(() => undefined);
      await slow.end();
    }
  });
});
