import { expect } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { privilegedQuery } from './support/database';
import { addMember, createApiKey, createClient, createContact, signUpOwner, type SignedUpOwner } from './support/fixtures';
import { badFields, dataOf, errorCode, startTestServer, type TestServer, errorsOf } from './support/test-server';

const CONTACT_FIELDS = `id clientId firstName lastName title email phone address { line1 line2 city region postalCode country } createdAt updatedAt`;
const CONTACT = `query($id: ID!) { contact(id: $id) { ${CONTACT_FIELDS} } }`;
const CONTACTS = `query($first: Int, $after: String, $last: Int, $before: String, $filter: ContactFilter, $sort: ContactSort) {
  contacts(first: $first, after: $after, last: $last, before: $before, filter: $filter, sort: $sort) {
    edges { cursor node { id firstName lastName } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const CONTACTS_COUNTED = `query($filter: ContactFilter, $first: Int) {
  contacts(filter: $filter, first: $first) { totalCount edges { node { id firstName lastName } } }
}`;
const CREATE = `mutation($input: CreateContactInput!) { createContact(input: $input) { ${CONTACT_FIELDS} } }`;
const UPDATE = `mutation($input: UpdateContactInput!) { updateContact(input: $input) { ${CONTACT_FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteContact(input: { id: $id }) { id firstName lastName } }`;

interface ContactView {
  id: string;
  clientId: string;
  firstName: string;
  lastName: string;
  title: string | null;
  email: string | null;
  phone: string | null;
  address: Record<string, string | null> | null;
  createdAt: string;
  updatedAt: string;
}
interface ContactsPage {
  contacts: {
    edges: { cursor: string; node: { id: string; firstName: string; lastName: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
}
interface Counted {
  contacts: { totalCount: number; edges: { node: { id: string; firstName: string; lastName: string } }[] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function contactRow(id: string): Promise<Record<string, unknown> | undefined> {
  return (await privilegedQuery('select * from contact where id = $1', [id]))[0];
}

async function contactCount(tenantId: string): Promise<number> {
  return (await privilegedQuery<{ n: number }>('select count(*)::int as n from contact where tenant_id = $1', [tenantId]))[0].n;
}

async function insertOrder(tenantId: string, clientId: string, contactId: string): Promise<string> {
  const id = randomUUID();
  const seq = Math.floor(Math.random() * 1_000_000_000);
  await privilegedQuery(
    `insert into "order" (id, created_at, updated_at, tenant_id, number, number_seq, client_id, contact_id, currency, external_references)
     values ($1, now(), now(), $2, $3, $4, $5, $6, 'EUR', '[]'::jsonb)`,
    [id, tenantId, `SO-T${seq}`, seq, clientId, contactId],
  );
  return id;
}

const fullName = (node: { firstName: string; lastName: string }) => `${node.firstName} ${node.lastName}`;

describe('contacts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const gqlAs = <T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>) => server.gql<T>({ query, variables, token });

  /** Every page forward, then every page backward from the end; returns "First Last" names in list order. */
  async function walk(token: string, variables: Record<string, unknown>, size: number): Promise<{ forward: string[]; backward: string[] }> {
    const forward: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i += 1) {
      const page: ContactsPage = dataOf(await gqlAs<ContactsPage>(token, CONTACTS, { ...variables, first: size, after }));
      forward.push(...page.contacts.edges.map((e) => fullName(e.node)));
      expect(page.contacts.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!page.contacts.pageInfo.hasNextPage) break;
      after = page.contacts.pageInfo.endCursor;
    }
    const backward: string[] = [];
    let before: string | null = null;
    for (let i = 0; i < 50; i += 1) {
      const page: ContactsPage = dataOf(await gqlAs<ContactsPage>(token, CONTACTS, { ...variables, last: size, before }));
      backward.unshift(...page.contacts.edges.map((e) => fullName(e.node)));
      expect(page.contacts.pageInfo.hasNextPage).toBe(before !== null);
      if (!page.contacts.pageInfo.hasPreviousPage) break;
      before = page.contacts.pageInfo.startCursor;
    }
    return { forward, backward };
  }

  describe('create, read, update, delete', () => {
    let owner: SignedUpOwner;
    let clientId: string;
    beforeAll(async () => {
      owner = await signUpOwner(server);
      clientId = (await createClient(server, owner)).id;
    });

    it('creates a contact with every field, normalised, and reads it back by id', async () => {
      const input = {
        clientId,
        firstName: ' Ada ',
        lastName: 'Lovelace ',
        title: 'Head of Marketing',
        email: '  Ada.Lovelace@Example.COM ',
        phone: '+1 (555) 010-2030',
        address: { line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
      };
      const created = dataOf(await gqlAs<{ createContact: ContactView }>(owner.accessToken, CREATE, { input })).createContact;
      expect(created).toMatchObject({
        clientId,
        firstName: 'Ada',
        lastName: 'Lovelace',
        title: 'Head of Marketing',
        email: 'ada.lovelace@example.com',
        phone: '+1 (555) 010-2030',
        address: { line1: '12 St James Sq', line2: null, city: 'London', region: null, postalCode: 'SW1Y 4JH', country: 'GB' },
      });
      expect(dataOf(await gqlAs<{ contact: ContactView }>(owner.accessToken, CONTACT, { id: created.id })).contact).toEqual(created);
      expect(await contactRow(created.id)).toMatchObject({ tenant_id: owner.tenantId, client_id: clientId, email: 'ada.lovelace@example.com' });

      const minimal = dataOf(
        await gqlAs<{ createContact: ContactView }>(owner.accessToken, CREATE, { input: { clientId, firstName: 'Bo', lastName: 'Min', email: '' } }),
      ).createContact;
      expect(minimal).toMatchObject({ title: null, email: null, phone: null, address: { line1: null, city: null, country: null } });
    });

    it('refuses bad input with BAD_USER_INPUT naming the field, and creates nothing', async () => {
      const before = await contactCount(owner.tenantId);
      const base = { clientId, firstName: 'Ok', lastName: 'Fine' };
      const cases: { input: Record<string, unknown>; field: string }[] = [
        { input: { ...base, firstName: '' }, field: 'firstName' },
        { input: { ...base, lastName: '   ' }, field: 'lastName' },
        { input: { ...base, firstName: 'f'.repeat(101) }, field: 'firstName' },
        { input: { ...base, title: 't'.repeat(151) }, field: 'title' },
        { input: { ...base, email: 'not-an-email' }, field: 'email' },
        { input: { ...base, email: `${'a'.repeat(250)}@example.com` }, field: 'email' },
        { input: { ...base, phone: 'call me maybe' }, field: 'phone' },
        { input: { ...base, phone: '12' }, field: 'phone' },
        { input: { ...base, phone: '1'.repeat(41) }, field: 'phone' },
        { input: { ...base, address: { country: 'usa' } }, field: 'address.country' },
        { input: { ...base, address: { line1: 'l'.repeat(201) } }, field: 'address.line1' },
        { input: { ...base, clientId: 'client-1' }, field: 'clientId' },
        { input: { ...base, lastName: 'Nul\u0000' }, field: 'lastName' },
        { input: { ...base, title: '\u0000' }, field: 'title' },
        { input: { ...base, address: { city: 'Le\u0000eds' } }, field: 'address.city' },
      ];
      for (const { input, field } of cases) {
        const response = await gqlAs(owner.accessToken, CREATE, { input });
        expect({ input, code: errorCode(response), data: response.body.data ?? null }).toEqual({ input, code: 'BAD_USER_INPUT', data: null });
        expect({ input, fields: badFields(response) }).toEqual({ input, fields: expect.arrayContaining([field]) });
      }
      expect(await contactCount(owner.tenantId)).toBe(before);
    });

    it('needs an existing client of the tenant', async () => {
      const before = await contactCount(owner.tenantId);
      const response = await gqlAs(owner.accessToken, CREATE, { input: { clientId: randomUUID(), firstName: 'No', lastName: 'Client' } });
      expect(errorCode(response)).toBe('NOT_FOUND');
      expect(errorsOf(response)[0].message).toBe('Client not found.');
      expect(await contactCount(owner.tenantId)).toBe(before);
    });

    it('updates only the fields given; null clears optional fields, and the address is replaced', async () => {
      const created = dataOf(
        await gqlAs<{ createContact: ContactView }>(owner.accessToken, CREATE, {
          input: {
            clientId,
            firstName: 'Grace',
            lastName: 'Hopper',
            title: 'Admiral',
            email: 'grace@navy.example',
            phone: '555-0100',
            address: { city: 'Arlington', country: 'US' },
          },
        }),
      ).createContact;
      await sleep(5);
      const renamed = dataOf(
        await gqlAs<{ updateContact: ContactView }>(owner.accessToken, UPDATE, { input: { id: created.id, lastName: ' Murray Hopper ' } }),
      ).updateContact;
      expect(renamed).toEqual({ ...created, lastName: 'Murray Hopper', updatedAt: renamed.updatedAt });
      expect(new Date(renamed.updatedAt).getTime()).toBeGreaterThan(new Date(created.updatedAt).getTime());

      const changed = dataOf(
        await gqlAs<{ updateContact: ContactView }>(owner.accessToken, UPDATE, {
          input: { id: created.id, email: ' GRACE@Yale.example', phone: null, title: '', address: { line1: '1 Prospect St' } },
        }),
      ).updateContact;
      expect(changed).toMatchObject({
        firstName: 'Grace',
        email: 'grace@yale.example',
        phone: null,
        title: null,
        address: { line1: '1 Prospect St', city: null, country: null },
      });
      const cleared = dataOf(
        await gqlAs<{ updateContact: ContactView }>(owner.accessToken, UPDATE, { input: { id: created.id, email: null, address: null } }),
      ).updateContact;
      expect(cleared).toMatchObject({ email: null, address: { line1: null } });

      for (const input of [{ firstName: null }, { lastName: '' }, { email: 'nope' }, { phone: 'x', firstName: 'Changed' }, { firstName: 'A\u0000' }]) {
        const response = await gqlAs(owner.accessToken, UPDATE, { input: { id: created.id, ...input } });
        expect({ input, code: errorCode(response) }).toEqual({ input, code: 'BAD_USER_INPUT' });
      }
      expect(await contactRow(created.id)).toMatchObject({ first_name: 'Grace', last_name: 'Murray Hopper', email: null });
      expect(errorCode(await gqlAs(owner.accessToken, UPDATE, { input: { id: randomUUID(), firstName: 'x' } }))).toBe('NOT_FOUND');
      expect(errorCode(await gqlAs(owner.accessToken, CONTACT, { id: randomUUID() }))).toBe('NOT_FOUND');
      expect(errorCode(await gqlAs(owner.accessToken, CONTACT, { id: '42' }))).toBe('BAD_USER_INPUT');
    });

    it('deletes a contact, keeping its communications without it, and refuses while an order refers to it', async () => {
      const contact = await createContact(server, owner, clientId);
      const communicationId = randomUUID();
      await privilegedQuery(
        `insert into communication (id, created_at, updated_at, tenant_id, client_id, contact_id, channel, direction, body, occurred_at, marketing)
         values ($1, now(), now(), $2, $3, $4, 'CALL', 'OUTBOUND', 'Follow-up call.', now(), false)`,
        [communicationId, owner.tenantId, clientId, contact.id],
      );
      const orderId = await insertOrder(owner.tenantId, clientId, contact.id);
      const refused = await gqlAs(owner.accessToken, DELETE, { id: contact.id });
      expect(errorCode(refused)).toBe('CONFLICT');
      expect(await contactRow(contact.id)).toBeDefined();

      await privilegedQuery('delete from "order" where id = $1', [orderId]);
      const deleted = dataOf(await gqlAs<{ deleteContact: { id: string; firstName: string } }>(owner.accessToken, DELETE, { id: contact.id })).deleteContact;
      expect(deleted).toEqual({ id: contact.id, firstName: contact.firstName, lastName: contact.lastName });
      expect(await contactRow(contact.id)).toBeUndefined();
      expect(await privilegedQuery('select contact_id from communication where id = $1', [communicationId])).toEqual([{ contact_id: null }]);
      expect(errorCode(await gqlAs(owner.accessToken, DELETE, { id: contact.id }))).toBe('NOT_FOUND');
    });
  });

  describe('lists', () => {
    let owner: SignedUpOwner;
    let acme: string;
    let globex: string;
    beforeAll(async () => {
      owner = await signUpOwner(server);
      acme = (await createClient(server, owner, { name: 'Acme' })).id;
      globex = (await createClient(server, owner, { name: 'Globex' })).id;
      // Creation order matters for the CREATED_AT sorts below.
      for (const [clientId, firstName, lastName] of [
        [acme, 'Ada', 'Lovelace'],
        [acme, 'Alan', 'Turing'],
        [globex, 'Ada', 'Byron'],
        [acme, 'Charles', 'Babbage'],
        [globex, 'Ann', 'Turing'],
        [acme, 'Zed', 'Lo_Co'],
        [globex, 'Ada', 'Lovelace'],
      ] as const) {
        await createContact(server, owner, clientId, { firstName, lastName });
      }
    });

    const names = async (filter: Record<string, unknown>) => {
      const contacts = dataOf(await gqlAs<Counted>(owner.accessToken, CONTACTS_COUNTED, { filter })).contacts;
      expect(contacts.totalCount).toBe(contacts.edges.length);
      return contacts.edges.map((e) => fullName(e.node)).sort();
    };

    it('filters by client and by first or last name, every word matching', async () => {
      expect(await names({ clientId: globex })).toEqual(['Ada Byron', 'Ada Lovelace', 'Ann Turing']);
      expect(await names({ search: 'ada' })).toEqual(['Ada Byron', 'Ada Lovelace', 'Ada Lovelace']);
      expect(await names({ search: 'TURING' })).toEqual(['Alan Turing', 'Ann Turing']);
      expect(await names({ search: 'ada love' })).toEqual(['Ada Lovelace', 'Ada Lovelace']);
      expect(await names({ search: 'ada love', clientId: acme })).toEqual(['Ada Lovelace']);
      expect(await names({ search: 'o_c' })).toEqual(['Zed Lo_Co']);
      expect(await names({ search: '%' })).toEqual([]);
      expect(await names({ clientId: randomUUID() })).toEqual([]);
    });

    it('counts only when asked, and pages are capped at 100', async () => {
      const counted = dataOf(await gqlAs<Counted>(owner.accessToken, CONTACTS_COUNTED, { first: 2 })).contacts;
      expect(counted).toMatchObject({ totalCount: 7 });
      expect(counted.edges).toHaveLength(2);
      const cursor = (key: unknown) => Buffer.from(JSON.stringify([key, randomUUID()])).toString('base64url');
      for (const variables of [
        { first: 101 },
        { last: 101 },
        { first: 2, last: 2 },
        { after: 'bogus' },
        { sort: { field: 'EMAIL' } },
        { filter: { clientId: 'acme' } },
        { filter: { search: 'a\u0000' } },
        { after: cursor('-100000-01-01T00:00:00.000Z') },
        { sort: { field: 'NAME' }, after: cursor(JSON.stringify(['a\u0000', 'b'])) },
        { sort: { field: 'NAME' }, after: cursor(JSON.stringify([1, 'b'])) },
        { sort: { field: 'NAME' }, before: cursor('Lovelace') },
      ]) {
        const response = await gqlAs(owner.accessToken, CONTACTS, variables);
        expect({ variables, code: errorCode(response) }).toEqual({ variables, code: 'BAD_USER_INPUT' });
      }
    });

    it('sorts newest first by default and by creation either way, forward and backward', async () => {
      const created = ['Ada Lovelace', 'Alan Turing', 'Ada Byron', 'Charles Babbage', 'Ann Turing', 'Zed Lo_Co', 'Ada Lovelace'];
      const byDefault = await walk(owner.accessToken, {}, 3);
      expect(byDefault).toEqual({ forward: [...created].reverse(), backward: [...created].reverse() });
      const oldest = await walk(owner.accessToken, { sort: { field: 'CREATED_AT', direction: 'ASC' } }, 2);
      expect(oldest).toEqual({ forward: created, backward: created });
    });

    it('sorts by last name, then first name, either way, with equal names kept apart by id', async () => {
      const rows = await privilegedQuery<{ first_name: string; last_name: string }>(
        'select first_name, last_name from contact where tenant_id = $1 order by last_name, first_name, id',
        [owner.tenantId],
      );
      const byName = rows.map((row) => `${row.first_name} ${row.last_name}`);
      expect(byName.filter((name) => name === 'Ada Lovelace')).toHaveLength(2);
      expect(byName.indexOf('Charles Babbage')).toBeLessThan(byName.indexOf('Ada Byron'));
      expect(byName.indexOf('Alan Turing')).toBeLessThan(byName.indexOf('Ann Turing'));
      for (const size of [1, 2, 4]) {
        expect(await walk(owner.accessToken, { sort: { field: 'NAME' } }, size)).toEqual({ forward: byName, backward: byName });
        const reversed = [...byName].reverse();
        expect(await walk(owner.accessToken, { sort: { field: 'NAME', direction: 'DESC' } }, size)).toEqual({ forward: reversed, backward: reversed });
      }
      const ids = new Set<string>();
      let after: string | null = null;
      for (let i = 0; i < 2; i += 1) {
        const page: ContactsPage = dataOf(
          await gqlAs<ContactsPage>(owner.accessToken, CONTACTS, { sort: { field: 'NAME' }, filter: { search: 'lovelace' }, first: 1, after }),
        );
        ids.add(page.contacts.edges[0].node.id);
        after = page.contacts.pageInfo.endCursor;
      }
      expect(ids.size).toBe(2);
      // A creation-time cursor cannot be used with the name sort.
      const dateCursor = dataOf(await gqlAs<ContactsPage>(owner.accessToken, CONTACTS, { first: 1 })).contacts.pageInfo.endCursor;
      expect(errorCode(await gqlAs(owner.accessToken, CONTACTS, { sort: { field: 'NAME' }, after: dateCursor }))).toBe('BAD_USER_INPUT');
    });

    it('keeps a name cursor stable while contacts are added and removed', async () => {
      const other = await signUpOwner(server);
      const client = await createClient(server, other);
      const made: Record<string, string> = {};
      for (const last of ['B', 'D', 'F', 'H']) made[last] = (await createContact(server, other, client.id, { firstName: 'X', lastName: last })).id;
      const sort = { field: 'NAME' };
      const first = dataOf(await gqlAs<ContactsPage>(other.accessToken, CONTACTS, { sort, first: 2 })).contacts;
      expect(first.edges.map((e) => e.node.lastName)).toEqual(['B', 'D']);
      await createContact(server, other, client.id, { firstName: 'X', lastName: 'A' });
      await createContact(server, other, client.id, { firstName: 'X', lastName: 'E' });
      dataOf(await gqlAs(other.accessToken, DELETE, { id: made.D }));
      const next = dataOf(await gqlAs<ContactsPage>(other.accessToken, CONTACTS, { sort, first: 2, after: first.pageInfo.endCursor })).contacts;
      expect(next.edges.map((e) => e.node.lastName)).toEqual(['E', 'F']);
      const back = dataOf(await gqlAs<ContactsPage>(other.accessToken, CONTACTS, { sort, last: 10, before: next.pageInfo.startCursor })).contacts;
      expect(back.edges.map((e) => e.node.lastName)).toEqual(['A', 'B']);
    });

    it('gives a client at most 50 contacts on Client.contacts, all of them through contacts(filter: { clientId })', async () => {
      const other = await signUpOwner(server);
      const big = await createClient(server, other, { name: 'Big' });
      for (let i = 0; i < 55; i += 1) {
        await privilegedQuery(
          `insert into contact (id, created_at, updated_at, tenant_id, client_id, first_name, last_name) values ($1, now(), now(), $2, $3, 'P', $4)`,
          [randomUUID(), other.tenantId, big.id, `Person ${String(i).padStart(2, '0')}`],
        );
      }
      const onClient = dataOf(
        await gqlAs<{ client: { contacts: { lastName: string }[] } }>(other.accessToken, `query($id: ID!) { client(id: $id) { contacts { lastName } } }`, {
          id: big.id,
        }),
      ).client.contacts;
      expect(onClient.map((c) => c.lastName)).toEqual(Array.from({ length: 50 }, (_, i) => `Person ${String(i).padStart(2, '0')}`));
      const all = dataOf(await gqlAs<Counted>(other.accessToken, CONTACTS_COUNTED, { filter: { clientId: big.id }, first: 100 })).contacts;
      expect(all.totalCount).toBe(55);
      expect(all.edges).toHaveLength(55);
    });
  });

  describe('field access to personal data', () => {
    let owner: SignedUpOwner;
    let clientId: string;
    let contactId: string;
    beforeAll(async () => {
      owner = await signUpOwner(server);
      clientId = (await createClient(server, owner)).id;
      contactId = (
        await createContact(server, owner, clientId, {
          firstName: 'Pia',
          lastName: 'Private',
          title: 'Buyer',
          email: 'pia@client.example',
          phone: '+44 20 7946 0000',
          address: { city: 'Leeds', country: 'GB' },
        })
      ).id;
    });

    const PII_QUERIES: {
      name: string;
      query: string;
      variables: () => Record<string, unknown>;
      prefix: (string | number)[];
      node: (data: unknown) => unknown;
    }[] = [
      {
        name: 'contact',
        query: `query($id: ID!) { contact(id: $id) { firstName lastName title email phone address { city } } }`,
        variables: () => ({ id: contactId }),
        prefix: ['contact'],
        node: (data) => (data as { contact: unknown }).contact,
      },
      {
        name: 'contacts',
        query: `{ contacts { edges { node { firstName lastName title email phone address { city } } } } }`,
        variables: () => ({}),
        prefix: ['contacts', 'edges', 0, 'node'],
        node: (data) => (data as { contacts: { edges: { node: unknown }[] } }).contacts.edges[0].node,
      },
      {
        name: 'clients.contacts',
        query: `{ clients { edges { node { contacts { firstName lastName title email phone address { city } } } } } }`,
        variables: () => ({}),
        prefix: ['clients', 'edges', 0, 'node', 'contacts', 0],
        node: (data) => (data as { clients: { edges: { node: { contacts: unknown[] } }[] } }).clients.edges[0].node.contacts[0],
      },
    ];

    async function expectMasked(token: string): Promise<void> {
      for (const { name, query, variables, prefix, node } of PII_QUERIES) {
        const response = await gqlAs(token, query, variables());
        expect({ name, node: node(response.body.data) }).toEqual({
          name,
          node: { firstName: 'Pia', lastName: 'Private', title: 'Buyer', email: null, phone: null, address: null },
        });
        const errors = response.body.errors ?? [];
        expect({ name, codes: errors.map((e) => e.extensions?.code) }).toEqual({ name, codes: ['FORBIDDEN_FIELD', 'FORBIDDEN_FIELD', 'FORBIDDEN_FIELD'] });
        expect(errors.map((e) => e.path).sort()).toEqual(
          [
            [...prefix, 'address'],
            [...prefix, 'email'],
            [...prefix, 'phone'],
          ].sort(),
        );
        expect(errors.every((e) => e.extensions?.requiredPermission === 'PII_READ')).toBe(true);
      }
    }

    async function expectVisible(token: string): Promise<void> {
      for (const { name, query, variables, node } of PII_QUERIES) {
        const response = await gqlAs(token, query, variables());
        expect({ name, errors: response.body.errors ?? [] }).toEqual({ name, errors: [] });
        expect(node(response.body.data)).toEqual({
          firstName: 'Pia',
          lastName: 'Private',
          title: 'Buyer',
          email: 'pia@client.example',
          phone: '+44 20 7946 0000',
          address: { city: 'Leeds' },
        });
      }
    }

    it('masks email, phone and address for a VIEWER, while the names stand', async () => {
      await expectMasked((await addMember(server, owner, 'VIEWER')).accessToken);
    });

    it('masks them for an API key with CLIENTS_READ alone, and shows them with PII_READ', async () => {
      await expectMasked((await createApiKey(server, owner, ['CLIENTS_READ'])).secret);
      await expectVisible((await createApiKey(server, owner, ['CLIENTS_READ', 'PII_READ'])).secret);
    });

    it('shows them to the owner and a SALES_REP', async () => {
      await expectVisible(owner.accessToken);
      await expectVisible((await addMember(server, owner, 'SALES_REP')).accessToken);
    });

    it('lets writing them need only CLIENTS_WRITE: a key without PII_READ writes what it cannot read back', async () => {
      const writer = await createApiKey(server, owner, ['CLIENTS_READ', 'CLIENTS_WRITE']);
      const response = await gqlAs<{ updateContact: { firstName: string; email: string | null } }>(
        writer.secret,
        `mutation($input: UpdateContactInput!) { updateContact(input: $input) { firstName email } }`,
        { input: { id: contactId, email: 'pia.new@client.example' } },
      );
      expect(response.body.data?.updateContact).toEqual({ firstName: 'Pia', email: null });
      expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN_FIELD']);
      // The write stands: a masked field does not undo the mutation.
      expect(await contactRow(contactId)).toMatchObject({ email: 'pia.new@client.example' });
      await privilegedQuery('update contact set email = $1 where id = $2', ['pia@client.example', contactId]);
    });

    it('refuses writes to roles and keys without CLIENTS_WRITE', async () => {
      const viewer = await addMember(server, owner, 'VIEWER');
      const reader = await createApiKey(server, owner, ['CLIENTS_READ', 'PII_READ']);
      for (const token of [viewer.accessToken, reader.secret]) {
        for (const [query, variables] of [
          [CREATE, { input: { clientId, firstName: 'No', lastName: 'Way' } }],
          [UPDATE, { input: { id: contactId, email: 'evil@example.com' } }],
          [DELETE, { id: contactId }],
        ] as const) {
          const response = await gqlAs(token, query, variables);
          expect(errorCode(response)).toBe('FORBIDDEN');
          expect(errorsOf(response)[0].extensions?.missingPermissions).toEqual(['CLIENTS_WRITE']);
        }
      }
      expect(await contactRow(contactId)).toMatchObject({ email: 'pia@client.example' });
      const unrelated = await createApiKey(server, owner, ['ORDERS_READ', 'PII_READ']);
      expect(errorCode(await gqlAs(unrelated.secret, CONTACTS, {}))).toBe('FORBIDDEN');
    });
  });

  describe('tenant isolation', () => {
    it("answers every id-taking operation on another tenant's contact or client with NOT_FOUND, like an unknown id", async () => {
      const a = await signUpOwner(server);
      const b = await signUpOwner(server);
      const ownClient = await createClient(server, a);
      await createContact(server, a, ownClient.id, { firstName: 'Own', lastName: 'Contact' });
      const theirClient = await createClient(server, b);
      const theirs = await createContact(server, b, theirClient.id, { firstName: 'Their', lastName: 'Secret', email: 'secret@b.example' });
      const rowBefore = await contactRow(theirs.id);
      const countsBefore = [await contactCount(a.tenantId), await contactCount(b.tenantId)];
      const unknown = randomUUID();

      const operations: [string, (id: string) => Record<string, unknown>][] = [
        [CONTACT, (id) => ({ id })],
        [UPDATE, (id) => ({ input: { id, email: 'stolen@a.example', firstName: 'Mine' } })],
        [DELETE, (id) => ({ id })],
        // Nested: B's client id inside A's input.
        [CREATE, (id) => ({ input: { clientId: id, firstName: 'Planted', lastName: 'Contact' } })],
      ];
      for (const [query, variables] of operations) {
        const id = query === CREATE ? theirClient.id : theirs.id;
        const onTheirs = await gqlAs(a.accessToken, query, variables(id));
        const onNothing = await gqlAs(a.accessToken, query, variables(unknown));
        expect({ query, code: errorCode(onTheirs), data: onTheirs.body.data ?? null }).toEqual({ query, code: 'NOT_FOUND', data: null });
        expect(onTheirs.body.errors).toEqual(onNothing.body.errors);
      }
      expect(await contactRow(theirs.id)).toEqual(rowBefore);
      expect([await contactCount(a.tenantId), await contactCount(b.tenantId)]).toEqual(countsBefore);

      // Lists: filtering by B's client, or searching B's names, finds nothing, exactly as for an unknown client.
      for (const filter of [{ clientId: theirClient.id }, { search: 'secret' }]) {
        const page = dataOf(await gqlAs<Counted>(a.accessToken, CONTACTS_COUNTED, { filter })).contacts;
        expect(page).toEqual({ totalCount: 0, edges: [] });
      }
      const all = dataOf(await gqlAs<Counted>(a.accessToken, CONTACTS_COUNTED, {})).contacts;
      expect(all.edges.map((e) => e.node.id)).not.toContain(theirs.id);
      expect(all.totalCount).toBe(1);
    });
  });
});
