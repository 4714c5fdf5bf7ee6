import { expect } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { privilegedQuery } from './support/database';
import { addMember, createApiKey, createClient, createContact, signUpOwner, type SignedUpOwner } from './support/fixtures';
import { badFields, dataOf, errorCode, startTestServer, type TestServer, errorsOf } from './support/test-server';
import { required } from './support/required';

const CLIENT_FIELDS = `id name website industry tags ownerUserId owner { userId fullName }
  billingAddress { line1 line2 city region postalCode country } shippingAddress { line1 city country }
  notes archived archivedAt createdAt updatedAt`;
const CLIENT = `query($id: ID!) { client(id: $id) { ${CLIENT_FIELDS} } }`;
const CLIENTS = `query($first: Int, $after: String, $last: Int, $before: String, $filter: ClientFilter, $sort: ClientSort) {
  clients(first: $first, after: $after, last: $last, before: $before, filter: $filter, sort: $sort) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const CLIENTS_COUNTED = `query($filter: ClientFilter, $first: Int) { clients(filter: $filter, first: $first) { totalCount edges { node { id name archived } } } }`;
const CREATE = `mutation($input: CreateClientInput!) { createClient(input: $input) { ${CLIENT_FIELDS} } }`;
const UPDATE = `mutation($input: UpdateClientInput!) { updateClient(input: $input) { ${CLIENT_FIELDS} } }`;
const ARCHIVE = `mutation($id: ID!) { archiveClient(input: { id: $id }) { id archived archivedAt } }`;
const UNARCHIVE = `mutation($id: ID!) { unarchiveClient(input: { id: $id }) { id archived archivedAt } }`;
const DELETE = `mutation($id: ID!) { deleteClient(input: { id: $id }) { id name } }`;

interface ClientView {
  id: string;
  name: string;
  website: string | null;
  industry: string | null;
  tags: string[];
  ownerUserId: string | null;
  owner: { userId: string; fullName: string } | null;
  billingAddress: Record<string, string | null>;
  shippingAddress: Record<string, string | null>;
  notes: string | null;
  archived: boolean;
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}
interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
interface ClientsPage {
  clients: { edges: { cursor: string; node: { id: string; name: string } }[]; pageInfo: PageInfo };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A row of the client table as the database has it, bypassing the API (and row-level security). */
async function clientRow(id: string): Promise<Record<string, unknown> | undefined> {
  return (await privilegedQuery('select * from client where id = $1', [id]))[0];
}

async function clientCount(tenantId: string): Promise<number> {
  const rows = await privilegedQuery<{ n: number }>('select count(*)::int as n from client where tenant_id = $1', [tenantId]);
  return rows[0].n;
}

/** An order row, written directly: the orders API belongs to another module. */
async function insertOrder(tenantId: string, clientId: string, contactId: string | null = null): Promise<string> {
  const id = randomUUID();
  const seq = Math.floor(Math.random() * 1_000_000_000);
  await privilegedQuery(
    `insert into "order" (id, created_at, updated_at, tenant_id, number, number_seq, client_id, contact_id, currency, external_references)
     values ($1, now(), now(), $2, $3, $4, $5, $6, 'USD', '[]'::jsonb)`,
    [id, tenantId, `SO-T${seq}`.slice(0, 20), seq, clientId, contactId],
  );
  return id;
}

async function insertCommunication(tenantId: string, clientId: string, contactId: string | null): Promise<string> {
  const id = randomUUID();
  await privilegedQuery(
    `insert into communication (id, created_at, updated_at, tenant_id, client_id, contact_id, channel, direction, body, occurred_at, marketing)
     values ($1, now(), now(), $2, $3, $4, 'NOTE', 'INTERNAL', 'Called about the spring catalogue.', now(), false)`,
    [id, tenantId, clientId, contactId],
  );
  return id;
}

describe('clients', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const gqlAs = <T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>) => server.gql<T>({ query, variables, token });

  /** Every page of a list, following cursors forward, and then backward from the end: both must give one order. */
  async function walk(token: string, variables: Record<string, unknown>, size: number): Promise<{ forward: string[]; backward: string[] }> {
    const forward: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i += 1) {
      const page: ClientsPage = dataOf(await gqlAs<ClientsPage>(token, CLIENTS, { ...variables, first: size, after }));
      forward.push(...page.clients.edges.map((e) => e.node.name));
      expect(page.clients.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!page.clients.pageInfo.hasNextPage) break;
      after = page.clients.pageInfo.endCursor;
    }
    const backward: string[] = [];
    let before: string | null = null;
    for (let i = 0; i < 50; i += 1) {
      const page: ClientsPage = dataOf(await gqlAs<ClientsPage>(token, CLIENTS, { ...variables, last: size, before }));
      backward.unshift(...page.clients.edges.map((e) => e.node.name));
      expect(page.clients.pageInfo.hasNextPage).toBe(before !== null);
      if (!page.clients.pageInfo.hasPreviousPage) break;
      before = page.clients.pageInfo.startCursor;
    }
    return { forward, backward };
  }

  describe('create, read, update', () => {
    let owner: SignedUpOwner;
    beforeAll(async () => {
      owner = await signUpOwner(server);
    });

    it('creates a client with every field, normalised, and reads it back by id', async () => {
      const rep = await addMember(server, owner, 'SALES_REP');
      const input = {
        name: '  Northwind Promotions  ',
        website: 'https://northwind.example/shop',
        industry: 'Hospitality',
        tags: [' vip ', 'golf', 'vip', 'Q3 event'],
        ownerUserId: rep.userId,
        billingAddress: { line1: '1 Main St', city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US' },
        shippingAddress: { line1: 'Dock 4', city: 'Chicago', country: 'US' },
        notes: 'Prefers embroidered polos.',
      };
      const created = dataOf(await gqlAs<{ createClient: ClientView }>(owner.accessToken, CREATE, { input })).createClient;
      expect(created).toMatchObject({
        name: 'Northwind Promotions',
        website: 'https://northwind.example/shop',
        industry: 'Hospitality',
        tags: ['vip', 'golf', 'Q3 event'],
        ownerUserId: rep.userId,
        owner: { userId: rep.userId, fullName: 'Morgan SALES_REP' },
        billingAddress: { line1: '1 Main St', line2: null, city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US' },
        shippingAddress: { line1: 'Dock 4', city: 'Chicago', country: 'US' },
        notes: 'Prefers embroidered polos.',
        archived: false,
        archivedAt: null,
      });
      const read = dataOf(await gqlAs<{ client: ClientView }>(owner.accessToken, CLIENT, { id: created.id })).client;
      expect(read).toEqual(created);
      // Stored in the caller's tenant, whatever the input said.
      expect((await clientRow(created.id))?.tenant_id).toBe(owner.tenantId);
    });

    it('creates a client from a name alone, with empty defaults and no owner', async () => {
      const created = dataOf(await gqlAs<{ createClient: ClientView }>(owner.accessToken, CREATE, { input: { name: 'Solo' } })).createClient;
      expect(created).toMatchObject({
        name: 'Solo',
        website: null,
        industry: null,
        tags: [],
        ownerUserId: null,
        owner: null,
        notes: null,
        billingAddress: { line1: null, city: null, country: null },
      });
    });

    it('refuses bad input with BAD_USER_INPUT naming the field, and creates nothing', async () => {
      const before = await clientCount(owner.tenantId);
      const cases: { input: Record<string, unknown>; field: string }[] = [
        { input: { name: '' }, field: 'name' },
        { input: { name: '    ' }, field: 'name' },
        { input: { name: 'x'.repeat(201) }, field: 'name' },
        { input: { name: 'Ok', website: 'not a url' }, field: 'website' },
        { input: { name: 'Ok', website: 'ftp://files.example.com' }, field: 'website' },
        { input: { name: 'Ok', website: `https://example.com/${'a'.repeat(490)}` }, field: 'website' },
        { input: { name: 'Ok', industry: 'i'.repeat(101) }, field: 'industry' },
        { input: { name: 'Ok', tags: Array.from({ length: 21 }, (_, i) => `tag${i}`) }, field: 'tags' },
        { input: { name: 'Ok', tags: ['t'.repeat(51)] }, field: 'tags' },
        { input: { name: 'Ok', tags: ['fine', '   '] }, field: 'tags' },
        // Tags the ORM's array literal would not store as written.
        { input: { name: 'Ok', tags: ['NULL'] }, field: 'tags' },
        { input: { name: 'Ok', tags: ['null'] }, field: 'tags' },
        { input: { name: 'Ok', tags: ['two\nlines'] }, field: 'tags' },
        { input: { name: 'Ok', tags: ['tab\there'] }, field: 'tags' },
        { input: { name: 'Ok', notes: 'n'.repeat(10_001) }, field: 'notes' },
        { input: { name: 'Ok', ownerUserId: 'not-a-uuid' }, field: 'ownerUserId' },
        { input: { name: 'Ok', billingAddress: { country: 'USA' } }, field: 'billingAddress.country' },
        { input: { name: 'Ok', shippingAddress: { city: 'c'.repeat(101) } }, field: 'shippingAddress.city' },
        // PostgreSQL text cannot hold NUL: refused up front rather than failing in the database.
        { input: { name: 'Nul\u0000Co' }, field: 'name' },
        { input: { name: 'Ok', tags: ['ok', 'n\u0000l'] }, field: 'tags' },
        { input: { name: 'Ok', billingAddress: { line1: 'a\u0000b' } }, field: 'billingAddress.line1' },
        { input: { name: 'Ok', notes: 'a\u0000' }, field: 'notes' },
      ];
      for (const { input, field } of cases) {
        const response = await gqlAs(owner.accessToken, CREATE, { input });
        expect({ input, code: errorCode(response), data: response.body.data ?? null }).toEqual({ input, code: 'BAD_USER_INPUT', data: null });
        expect({ input, fields: badFields(response) }).toEqual({ input, fields: expect.arrayContaining([field]) });
      }
      // At the limits, accepted: 200 characters of name, 20 tags of 50, and repeats that collapse to 20.
      const atLimits = await gqlAs<{ createClient: ClientView }>(owner.accessToken, CREATE, {
        input: { name: 'x'.repeat(200), tags: [...Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(50, 't')), '0'.padEnd(50, 't')] },
      });
      expect(dataOf(atLimits).createClient.tags).toHaveLength(20);
      expect(await clientCount(owner.tenantId)).toBe(before + 1);
    });

    it('refuses an owner who is not a member of the tenant', async () => {
      const stranger = await signUpOwner(server);
      const before = await clientCount(owner.tenantId);
      for (const ownerUserId of [stranger.userId, randomUUID()]) {
        const response = await gqlAs(owner.accessToken, CREATE, { input: { name: 'Owned', ownerUserId } });
        expect(errorCode(response)).toBe('BAD_USER_INPUT');
        expect(badFields(response)).toEqual(['ownerUserId']);
      }
      expect(await clientCount(owner.tenantId)).toBe(before);

      const client = await createClient(server, owner, { ownerUserId: owner.userId });
      const refused = await gqlAs(owner.accessToken, UPDATE, { input: { id: client.id, ownerUserId: stranger.userId, name: 'Renamed' } });
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(await clientRow(client.id)).toMatchObject({ owner_user_id: owner.userId, name: client.name });
    });

    it('shows no owner once the owner has left the tenant', async () => {
      const rep = await addMember(server, owner, 'SALES_REP');
      const client = await createClient(server, owner, { ownerUserId: rep.userId });
      const members = dataOf(await gqlAs<{ members: { id: string; userId: string }[] }>(owner.accessToken, `{ members { id userId } }`)).members;
      const membership = required(
        members.find((m) => m.userId === rep.userId),
        "the rep's membership",
      );
      dataOf(await gqlAs(owner.accessToken, `mutation($id: ID!) { removeMember(input: { memberId: $id }) { id } }`, { id: membership.id }));
      const read = dataOf(await gqlAs<{ client: ClientView }>(owner.accessToken, CLIENT, { id: client.id })).client;
      expect(read).toMatchObject({ ownerUserId: rep.userId, owner: null });
    });

    it('updates only the fields given; tags and addresses are replaced; null clears optional fields', async () => {
      const created = dataOf(
        await gqlAs<{ createClient: ClientView }>(owner.accessToken, CREATE, {
          input: {
            name: 'Contoso',
            website: 'http://contoso.example',
            industry: 'Education',
            tags: ['a', 'b'],
            ownerUserId: owner.userId,
            billingAddress: { line1: '2 Elm St', city: 'Boston', country: 'US' },
            notes: 'Old note',
          },
        }),
      ).createClient;
      await sleep(5);

      const renamed = dataOf(
        await gqlAs<{ updateClient: ClientView }>(owner.accessToken, UPDATE, { input: { id: created.id, name: ' Contoso Ltd ' } }),
      ).updateClient;
      expect(renamed).toEqual({ ...created, name: 'Contoso Ltd', updatedAt: renamed.updatedAt });
      expect(new Date(renamed.updatedAt).getTime()).toBeGreaterThan(new Date(created.updatedAt).getTime());

      const changed = dataOf(
        await gqlAs<{ updateClient: ClientView }>(owner.accessToken, UPDATE, {
          input: {
            id: created.id,
            tags: ['c', ' c ', 'd'],
            billingAddress: { city: 'Cambridge' },
            website: null,
            notes: null,
            ownerUserId: null,
            industry: '',
          },
        }),
      ).updateClient;
      expect(changed).toMatchObject({
        name: 'Contoso Ltd',
        tags: ['c', 'd'],
        billingAddress: { line1: null, city: 'Cambridge', country: null },
        website: null,
        notes: null,
        industry: null,
        ownerUserId: null,
        owner: null,
      });
      const cleared = dataOf(
        await gqlAs<{ updateClient: ClientView }>(owner.accessToken, UPDATE, { input: { id: created.id, tags: [], billingAddress: null } }),
      ).updateClient;
      expect(cleared).toMatchObject({ tags: [], billingAddress: { line1: null, city: null } });

      // A name cannot be cleared, and a bad field refuses the whole change.
      for (const input of [
        { name: null },
        { name: '' },
        { name: 'Fine', website: 'javascript:alert(1)' },
        { tags: null },
        { name: 'Fine', industry: '\u0000' },
      ]) {
        const response = await gqlAs(owner.accessToken, UPDATE, { input: { id: created.id, ...input } });
        expect({ input, code: errorCode(response) }).toEqual({ input, code: 'BAD_USER_INPUT' });
      }
      expect(await clientRow(created.id)).toMatchObject({ name: 'Contoso Ltd', tags: [] });
      expect(errorCode(await gqlAs(owner.accessToken, UPDATE, { input: { id: 'nope', name: 'x' } }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await gqlAs(owner.accessToken, CLIENT, { id: 'nope' }))).toBe('BAD_USER_INPUT');
    });

    it('answers NOT_FOUND for an id that does not exist', async () => {
      const id = randomUUID();
      for (const [query, variables] of [
        [CLIENT, { id }],
        [UPDATE, { input: { id, name: 'x' } }],
        [ARCHIVE, { id }],
        [UNARCHIVE, { id }],
        [DELETE, { id }],
      ] as const) {
        expect(errorCode(await gqlAs(owner.accessToken, query, variables))).toBe('NOT_FOUND');
      }
    });
  });

  describe('archiving', () => {
    it('hides archived clients from the default list, shows them on request, and restores them', async () => {
      const owner = await signUpOwner(server);
      const kept = await createClient(server, owner, { name: 'Kept' });
      const old = await createClient(server, owner, { name: 'Old' });
      const archived = dataOf(
        await gqlAs<{ archiveClient: { archived: boolean; archivedAt: string } }>(owner.accessToken, ARCHIVE, { id: old.id }),
      ).archiveClient;
      expect(archived.archived).toBe(true);
      expect(Number.isNaN(Date.parse(archived.archivedAt))).toBe(false);
      // Archiving again keeps the first time.
      const again = dataOf(await gqlAs<{ archiveClient: { archivedAt: string } }>(owner.accessToken, ARCHIVE, { id: old.id })).archiveClient;
      expect(again.archivedAt).toBe(archived.archivedAt);

      interface Counted {
        clients: { totalCount: number; edges: { node: { name: string; archived: boolean } }[] };
      }
      const list = async (filter?: Record<string, unknown>) => dataOf(await gqlAs<Counted>(owner.accessToken, CLIENTS_COUNTED, { filter })).clients;
      expect(await list()).toMatchObject({ totalCount: 1, edges: [{ node: { name: 'Kept', archived: false } }] });
      expect(await list({ archived: 'EXCLUDE' })).toMatchObject({ totalCount: 1 });
      expect(await list({ archived: 'ONLY' })).toMatchObject({ totalCount: 1, edges: [{ node: { name: 'Old', archived: true } }] });
      expect((await list({ archived: 'INCLUDE' })).edges.map((e) => e.node.name).sort()).toEqual(['Kept', 'Old']);
      // Still readable by id.
      expect(dataOf(await gqlAs<{ client: ClientView }>(owner.accessToken, CLIENT, { id: old.id })).client.archived).toBe(true);

      const restored = dataOf(
        await gqlAs<{ unarchiveClient: { archived: boolean; archivedAt: string | null } }>(owner.accessToken, UNARCHIVE, { id: old.id }),
      ).unarchiveClient;
      expect(restored).toEqual({ id: old.id, archived: false, archivedAt: null });
      expect((await list()).totalCount).toBe(2);
      expect(kept.id).toBeDefined();
    });
  });

  describe('lists: filters, sorting, paging', () => {
    let owner: SignedUpOwner;
    let rep: { userId: string; accessToken: string };
    beforeAll(async () => {
      owner = await signUpOwner(server);
      rep = await addMember(server, owner, 'SALES_REP');
      // Creation order matters for the CREATED_AT sorts below.
      for (const [name, tags, ownerUserId] of [
        ['Delta Golf', ['golf', 'vip'], rep.userId],
        ['alpha beverages', ['food'], owner.userId],
        ['Bravo 50% Off', ['vip'], rep.userId],
        ['Charlie_Co', [], null],
        ['Bravo', ['golf'], null],
        ['Echo 500', ['VIP'], owner.userId],
      ] as const) {
        await createClient(server, owner, { name, tags, ownerUserId });
      }
    });

    interface Counted {
      clients: { totalCount: number; edges: { node: { name: string } }[] };
    }
    const names = async (filter: Record<string, unknown>) => {
      const clients = dataOf(await gqlAs<Counted>(owner.accessToken, CLIENTS_COUNTED, { filter })).clients;
      expect(clients.totalCount).toBe(clients.edges.length);
      return clients.edges.map((e) => e.node.name).sort();
    };

    it('filters by case-insensitive name substring, with LIKE wildcards taken literally', async () => {
      expect(await names({ search: 'BRAVO' })).toEqual(['Bravo', 'Bravo 50% Off']);
      expect(await names({ search: 'lph' })).toEqual(['alpha beverages']);
      expect(await names({ search: '50%' })).toEqual(['Bravo 50% Off']);
      expect(await names({ search: '%' })).toEqual(['Bravo 50% Off']);
      expect(await names({ search: 'e_C' })).toEqual(['Charlie_Co']);
      expect(await names({ search: '_' })).toEqual(['Charlie_Co']);
      expect(await names({ search: 'nothing like it' })).toEqual([]);
    });

    it('filters by owner, by tag (exact), and by several at once', async () => {
      expect(await names({ ownerUserId: rep.userId })).toEqual(['Bravo 50% Off', 'Delta Golf']);
      expect(await names({ ownerUserId: randomUUID() })).toEqual([]);
      expect(await names({ tag: 'vip' })).toEqual(['Bravo 50% Off', 'Delta Golf']);
      expect(await names({ tag: 'VIP' })).toEqual(['Echo 500']);
      expect(await names({ tag: 'golf', ownerUserId: rep.userId })).toEqual(['Delta Golf']);
      expect(await names({ tag: 'golf', search: 'bravo' })).toEqual(['Bravo']);
    });

    it('stores and matches tags with array-literal punctuation exactly', async () => {
      const other = await signUpOwner(server);
      const tags = ['a,b', 'say "hi"', '{x}', 'back\\slash', 'nullable', "it's", 'Q3  event', 'café ☕'];
      const client = dataOf(await gqlAs<{ createClient: ClientView }>(other.accessToken, CREATE, { input: { name: 'Punctuated', tags } })).createClient;
      expect(client.tags).toEqual(tags);
      expect(await clientRow(client.id)).toMatchObject({ tags });
      for (const tag of tags) {
        const found = dataOf(await gqlAs<Counted>(other.accessToken, CLIENTS_COUNTED, { filter: { tag } })).clients;
        expect({ tag, names: found.edges.map((e) => e.node.name) }).toEqual({ tag, names: ['Punctuated'] });
      }
      for (const tag of ['a', 'b', 'x', 'hi', 'null']) {
        expect({ tag, count: dataOf(await gqlAs<Counted>(other.accessToken, CLIENTS_COUNTED, { filter: { tag } })).clients.totalCount }).toEqual({
          tag,
          count: 0,
        });
      }
    });

    it('counts all matching clients only when totalCount is asked, whatever the page size', async () => {
      const counted = dataOf(await gqlAs<Counted>(owner.accessToken, CLIENTS_COUNTED, { first: 2 })).clients;
      expect(counted.totalCount).toBe(6);
      expect(counted.edges).toHaveLength(2);
      const filtered = dataOf(await gqlAs<Counted>(owner.accessToken, CLIENTS_COUNTED, { first: 1, filter: { tag: 'vip' } })).clients;
      expect(filtered.totalCount).toBe(2);

      // Without totalCount in the selection, no count statement runs.
      const statements = await statementsOf(server, () => gqlAs(owner.accessToken, CLIENTS, { first: 2 }));
      expect(statements.filter((sql) => /count\(/i.test(sql))).toEqual([]);
      const withCount = await statementsOf(server, () => gqlAs(owner.accessToken, CLIENTS_COUNTED, { first: 2 }));
      expect(withCount.filter((sql) => /count\(/i.test(sql))).toHaveLength(1);
    });

    it('sorts newest first by default, and by name or creation either way, paging forward and backward alike', async () => {
      const created = ['Delta Golf', 'alpha beverages', 'Bravo 50% Off', 'Charlie_Co', 'Bravo', 'Echo 500'];
      const byDefault = await walk(owner.accessToken, {}, 4);
      expect(byDefault.forward).toEqual([...created].reverse());
      expect(byDefault.backward).toEqual(byDefault.forward);

      const oldest = await walk(owner.accessToken, { sort: { field: 'CREATED_AT', direction: 'ASC' } }, 2);
      expect(oldest.forward).toEqual(created);
      expect(oldest.backward).toEqual(created);

      // The database's ordering of names (its collation), checked against what the API returns.
      const rows = await privilegedQuery<{ name: string }>('select name from client where tenant_id = $1 order by name, id', [owner.tenantId]);
      const byName = rows.map((row) => row.name);
      expect(byName.slice().sort()).toEqual(created.slice().sort());
      for (const size of [1, 2, 5]) {
        const ascending = await walk(owner.accessToken, { sort: { field: 'NAME' } }, size);
        expect(ascending).toEqual({ forward: byName, backward: byName });
        const descending = await walk(owner.accessToken, { sort: { field: 'NAME', direction: 'DESC' } }, size);
        expect(descending).toEqual({ forward: [...byName].reverse(), backward: [...byName].reverse() });
      }
    });

    it('sorts by last change', async () => {
      const charlie = (await privilegedQuery<{ id: string }>('select id from client where tenant_id = $1 and name = $2', [owner.tenantId, 'Charlie_Co']))[0];
      await sleep(5);
      dataOf(await gqlAs(owner.accessToken, UPDATE, { input: { id: charlie.id, industry: 'Print' } }));
      const recent = await walk(owner.accessToken, { sort: { field: 'UPDATED_AT', direction: 'DESC' } }, 2);
      expect(recent.forward[0]).toBe('Charlie_Co');
      expect(recent.forward).toHaveLength(6);
      expect(recent.backward).toEqual(recent.forward);
      const leastRecent = await walk(owner.accessToken, { sort: { field: 'UPDATED_AT', direction: 'ASC' } }, 4);
      expect(leastRecent.forward).toEqual([...recent.forward].reverse());
    });

    it('keeps cursors stable while clients are added and removed', async () => {
      const other = await signUpOwner(server);
      for (const name of ['Bb', 'Dd', 'Ff', 'Hh']) await createClient(server, other, { name });
      const sort = { field: 'NAME', direction: 'ASC' };
      const first = dataOf(await gqlAs<ClientsPage>(other.accessToken, CLIENTS, { sort, first: 2 })).clients;
      expect(first.edges.map((e) => e.node.name)).toEqual(['Bb', 'Dd']);
      // Changes before, at and after the cursor's position.
      await createClient(server, other, { name: 'Aa' });
      await createClient(server, other, { name: 'Ee' });
      const dd = first.edges[1].node.id;
      dataOf(await gqlAs(other.accessToken, DELETE, { id: dd }));
      const next = dataOf(await gqlAs<ClientsPage>(other.accessToken, CLIENTS, { sort, first: 2, after: first.pageInfo.endCursor })).clients;
      expect(next.edges.map((e) => e.node.name)).toEqual(['Ee', 'Ff']);
      expect(next.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
      const back = dataOf(await gqlAs<ClientsPage>(other.accessToken, CLIENTS, { sort, last: 5, before: next.pageInfo.startCursor })).clients;
      expect(back.edges.map((e) => e.node.name)).toEqual(['Aa', 'Bb']);
      expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      // Equal names are ordered by id, so none is skipped or repeated across pages.
      for (let i = 0; i < 3; i += 1) await createClient(server, other, { name: 'Same' });
      const same = await walk(other.accessToken, { sort, filter: { search: 'same' } }, 1);
      expect(same).toEqual({ forward: ['Same', 'Same', 'Same'], backward: ['Same', 'Same', 'Same'] });
      const ids = new Set<string>();
      let after: string | null = null;
      for (let i = 0; i < 3; i += 1) {
        const page: ClientsPage = dataOf(await gqlAs<ClientsPage>(other.accessToken, CLIENTS, { sort, filter: { search: 'same' }, first: 1, after }));
        ids.add(page.clients.edges[0].node.id);
        after = page.clients.pageInfo.endCursor;
      }
      expect(ids.size).toBe(3);
    });

    it('refuses bad paging and sorting arguments with BAD_USER_INPUT', async () => {
      const cases: Record<string, unknown>[] = [
        { first: 101 },
        { first: 0 },
        { last: -1 },
        { first: 1, last: 1 },
        { after: 'garbage' },
        { after: Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', '-'.repeat(36)])).toString('base64url') },
        { after: Buffer.from(JSON.stringify(['not a date', randomUUID()])).toString('base64url') },
        { sort: { field: 'NAME', direction: 'ASC' }, after: Buffer.from(JSON.stringify([12, randomUUID()])).toString('base64url') },
        { sort: { field: 'POPULARITY' } },
        { sort: { direction: 'SIDEWAYS' } },
        { filter: { archived: 'MAYBE' } },
        { filter: { ownerUserId: 'me' } },
        { filter: { search: 's'.repeat(201) } },
        { filter: { search: 'a\u0000' } },
        { filter: { tag: '\u0000' } },
        // Forged cursors: a time PostgreSQL cannot hold, a NUL in a name key.
        { after: Buffer.from(JSON.stringify(['-100000-01-01T00:00:00.000Z', randomUUID()])).toString('base64url') },
        { sort: { field: 'UPDATED_AT' }, before: Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', randomUUID()])).toString('base64url') },
        { sort: { field: 'NAME' }, after: Buffer.from(JSON.stringify(['a\u0000', randomUUID()])).toString('base64url') },
      ];
      for (const variables of cases) {
        const response = await gqlAs(owner.accessToken, CLIENTS, variables);
        expect({ variables, code: errorCode(response), data: response.body.data ?? null }).toEqual({ variables, code: 'BAD_USER_INPUT', data: null });
      }
      // The maximum page size is accepted.
      expect(dataOf(await gqlAs<ClientsPage>(owner.accessToken, CLIENTS, { first: 100 })).clients.edges).toHaveLength(6);
    });
  });

  describe('deleting', () => {
    it('deletes a client with its contacts and communications', async () => {
      const owner = await signUpOwner(server);
      const client = await createClient(server, owner);
      const contact = await createContact(server, owner, client.id);
      await insertCommunication(owner.tenantId, client.id, contact.id);
      const deleted = dataOf(await gqlAs<{ deleteClient: { id: string; name: string } }>(owner.accessToken, DELETE, { id: client.id })).deleteClient;
      expect(deleted).toEqual({ id: client.id, name: client.name });
      expect(await clientRow(client.id)).toBeUndefined();
      expect(await privilegedQuery('select id from contact where client_id = $1', [client.id])).toEqual([]);
      expect(await privilegedQuery('select id from communication where client_id = $1', [client.id])).toEqual([]);
      expect(errorCode(await gqlAs(owner.accessToken, CLIENT, { id: client.id }))).toBe('NOT_FOUND');
      expect(errorCode(await gqlAs(owner.accessToken, DELETE, { id: client.id }))).toBe('NOT_FOUND');
    });

    it('refuses with CONFLICT while an order refers to the client or one of its contacts, and deletes nothing', async () => {
      const owner = await signUpOwner(server);
      const client = await createClient(server, owner);
      const contact = await createContact(server, owner, client.id);
      const orderId = await insertOrder(owner.tenantId, client.id);
      const refused = await gqlAs(owner.accessToken, DELETE, { id: client.id });
      expect(errorCode(refused)).toBe('CONFLICT');
      expect(refused.body.data ?? null).toBeNull();
      expect(await clientRow(client.id)).toBeDefined();
      expect(await privilegedQuery('select id from contact where id = $1', [contact.id])).toHaveLength(1);

      // An order of another client naming this client's contact holds it too.
      await privilegedQuery('delete from "order" where id = $1', [orderId]);
      const other = await createClient(server, owner);
      await insertOrder(owner.tenantId, other.id, contact.id);
      expect(errorCode(await gqlAs(owner.accessToken, DELETE, { id: client.id }))).toBe('CONFLICT');
      expect(await clientRow(client.id)).toBeDefined();
      expect(errorCode(await gqlAs(owner.accessToken, DELETE, { id: other.id }))).toBe('CONFLICT');
    });
  });

  describe('permissions', () => {
    it('lets every role read, and only roles with CLIENTS_WRITE write', async () => {
      const owner = await signUpOwner(server);
      const viewer = await addMember(server, owner, 'VIEWER');
      const rep = await addMember(server, owner, 'SALES_REP');
      const client = await createClient(server, owner);
      expect(dataOf(await gqlAs<{ client: ClientView }>(viewer.accessToken, CLIENT, { id: client.id })).client.name).toBe(client.name);
      expect(dataOf(await gqlAs<ClientsPage>(viewer.accessToken, CLIENTS, {})).clients.edges).toHaveLength(1);
      for (const [query, variables] of [
        [CREATE, { input: { name: 'By viewer' } }],
        [UPDATE, { input: { id: client.id, name: 'By viewer' } }],
        [ARCHIVE, { id: client.id }],
        [UNARCHIVE, { id: client.id }],
        [DELETE, { id: client.id }],
      ] as const) {
        const response = await gqlAs(viewer.accessToken, query, variables);
        expect(errorCode(response)).toBe('FORBIDDEN');
        expect(errorsOf(response)[0].extensions?.missingPermissions).toEqual(['CLIENTS_WRITE']);
      }
      expect(await clientRow(client.id)).toMatchObject({ name: client.name, archived_at: null });
      const byRep = await createClient(server, rep, { name: 'By rep' });
      expect(
        dataOf(await gqlAs<{ updateClient: ClientView }>(rep.accessToken, UPDATE, { input: { id: byRep.id, industry: 'Retail' } })).updateClient.industry,
      ).toBe('Retail');
    });

    it('gives API keys exactly their scopes', async () => {
      const owner = await signUpOwner(server);
      const client = await createClient(server, owner);
      const reader = await createApiKey(server, owner, ['CLIENTS_READ']);
      const writer = await createApiKey(server, owner, ['CLIENTS_READ', 'CLIENTS_WRITE']);
      const unrelated = await createApiKey(server, owner, ['ORDERS_READ']);
      expect(dataOf(await gqlAs<{ client: ClientView }>(reader.secret, CLIENT, { id: client.id })).client.id).toBe(client.id);
      expect(errorCode(await gqlAs(reader.secret, CREATE, { input: { name: 'By key' } }))).toBe('FORBIDDEN');
      const byKey = await createClient(server, writer, { name: 'By key' });
      expect(dataOf(await gqlAs<{ archiveClient: { archived: boolean } }>(writer.secret, ARCHIVE, { id: byKey.id })).archiveClient.archived).toBe(true);
      const denied = await gqlAs(unrelated.secret, CLIENTS, {});
      expect(errorCode(denied)).toBe('FORBIDDEN');
      expect(errorsOf(denied)[0].extensions?.missingPermissions).toEqual(['CLIENTS_READ']);
      expect(errorCode(await gqlAs(unrelated.secret, CLIENT, { id: client.id }))).toBe('FORBIDDEN');
    });
  });

  describe('tenant isolation', () => {
    it("answers every id-taking operation on another tenant's client with NOT_FOUND, like an unknown id, and leaves it unchanged", async () => {
      const a = await signUpOwner(server);
      const b = await signUpOwner(server);
      const theirs = await createClient(server, b, { name: 'B private', tags: ['b'] });
      const theirContact = await createContact(server, b, theirs.id);
      const rowBefore = await clientRow(theirs.id);
      const unknown = randomUUID();
      const operations: [string, (id: string) => Record<string, unknown>][] = [
        [CLIENT, (id) => ({ id })],
        [UPDATE, (id) => ({ input: { id, name: 'Taken over', tags: ['a'] } })],
        [ARCHIVE, (id) => ({ id })],
        [UNARCHIVE, (id) => ({ id })],
        [DELETE, (id) => ({ id })],
      ];
      for (const [query, variables] of operations) {
        const onTheirs = await gqlAs(a.accessToken, query, variables(theirs.id));
        const onNothing = await gqlAs(a.accessToken, query, variables(unknown));
        expect({ query, code: errorCode(onTheirs), data: onTheirs.body.data ?? null }).toEqual({ query, code: 'NOT_FOUND', data: null });
        expect(onTheirs.body.errors).toEqual(onNothing.body.errors);
      }
      expect(await clientRow(theirs.id)).toEqual(rowBefore);
      expect(await privilegedQuery('select id from contact where id = $1', [theirContact.id])).toHaveLength(1);

      // Lists show none of B's clients, whatever the filter.
      await createClient(server, a, { name: 'A own' });
      for (const filter of [{}, { search: 'B private' }, { tag: 'b' }, { ownerUserId: b.userId }, { archived: 'INCLUDE' }]) {
        const page = dataOf(
          await gqlAs<{ clients: { totalCount: number; edges: { node: { id: string } }[] } }>(a.accessToken, CLIENTS_COUNTED, { filter }),
        ).clients;
        expect(page.edges.map((e) => e.node.id)).not.toContain(theirs.id);
        expect(page.totalCount).toBe(page.edges.length);
      }
      // A's cursor pointing at B's client reveals nothing either.
      const cursor = Buffer.from(JSON.stringify(['B private', theirs.id])).toString('base64url');
      const paged = dataOf(await gqlAs<ClientsPage>(a.accessToken, CLIENTS, { sort: { field: 'NAME' }, after: cursor })).clients;
      expect(paged.edges.map((e) => e.node.id)).not.toContain(theirs.id);
    });
  });

  describe('contacts of a page of clients', () => {
    const PAGE_WITH_CONTACTS = `query($first: Int) { clients(first: $first, sort: { field: NAME }) {
      edges { node { name owner { fullName } contacts { firstName lastName email } } }
    } }`;
    interface WithContacts {
      clients: {
        edges: { node: { name: string; owner: { fullName: string } | null; contacts: { firstName: string; lastName: string; email: string | null }[] } }[];
      };
    }

    it("lists each client's contacts by last and first name", async () => {
      const owner = await signUpOwner(server);
      const c1 = await createClient(server, owner, { name: 'One', ownerUserId: owner.userId });
      const c2 = await createClient(server, owner, { name: 'Two' });
      await createClient(server, owner, { name: 'Three' });
      await createContact(server, owner, c1.id, { firstName: 'Zoe', lastName: 'Adams', email: 'zoe@one.example' });
      await createContact(server, owner, c1.id, { firstName: 'Amy', lastName: 'Young' });
      await createContact(server, owner, c1.id, { firstName: 'Bea', lastName: 'Adams' });
      await createContact(server, owner, c2.id, { firstName: 'Cy', lastName: 'Moss' });
      const page = dataOf(await gqlAs<WithContacts>(owner.accessToken, PAGE_WITH_CONTACTS, { first: 10 })).clients.edges.map((e) => e.node);
      expect(page).toEqual([
        {
          name: 'One',
          owner: { fullName: 'Olive Owner' },
          contacts: [
            { firstName: 'Bea', lastName: 'Adams', email: null },
            { firstName: 'Zoe', lastName: 'Adams', email: 'zoe@one.example' },
            { firstName: 'Amy', lastName: 'Young', email: null },
          ],
        },
        { name: 'Three', owner: null, contacts: [] },
        { name: 'Two', owner: null, contacts: [{ firstName: 'Cy', lastName: 'Moss', email: null }] },
      ]);
    });

    it('costs the same number of SQL statements for a page of 2 clients as for a page of 30', async () => {
      const owner = await signUpOwner(server);
      const rep = await addMember(server, owner, 'SALES_REP');
      for (let i = 0; i < 30; i += 1) {
        const client = await createClient(server, owner, { name: `Client ${String(i).padStart(2, '0')}`, ownerUserId: i % 2 ? rep.userId : owner.userId });
        await createContact(server, owner, client.id);
        await createContact(server, owner, client.id);
      }
      const small = await statementsOf(server, () => gqlAs(owner.accessToken, PAGE_WITH_CONTACTS, { first: 2 }));
      const large = await statementsOf(server, () => gqlAs(owner.accessToken, PAGE_WITH_CONTACTS, { first: 30 }));
      expect(large.length).toBe(small.length);
      const page = dataOf(await gqlAs<WithContacts>(owner.accessToken, PAGE_WITH_CONTACTS, { first: 30 })).clients.edges;
      expect(page.every((e) => e.node.contacts.length === 2 && e.node.owner !== null)).toBe(true);
      // Neither the owners' nor the contacts' query runs when those fields are not selected.
      const bare = await statementsOf(server, () => gqlAs(owner.accessToken, `{ clients(first: 30) { edges { node { name } } } }`));
      // (The token's own session check reads memberships too, once per request.)
      const reads = (statements: string[], table: string) => statements.filter((sql) => new RegExp(`\\bfrom\\s+"?${table}"?\\b`, 'i').test(sql)).length;
      expect(['contact', 'membership'].map((table) => reads(bare, table))).toEqual([0, reads(small, 'membership') - 1]);
      expect(reads(small, 'contact')).toBe(1);
    });
  });
});

/** The SQL statements the server's ORM runs while `action` does its request (every statement passes its query logger). */
async function statementsOf(server: TestServer, action: () => Promise<unknown>): Promise<string[]> {
  const logger = server.app.get(MikroORM).config.getLogger();
  const statements: string[] = [];
  const spy = jest.spyOn(logger, 'logQuery').mockImplementation((context) => {
    if (context.query) statements.push(context.query);
  });
  try {
    await action();
  } finally {
    spy.mockRestore();
  }
  return statements;
}
