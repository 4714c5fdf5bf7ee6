import { MikroORM } from '@mikro-orm/postgresql';
import { Permission } from '../src/common/authorization/permission.js';
import { createApiKey, createClient, createContact, createOrder, MUG_LINE, PARTNER_ORDERS, signUpOwner, type SignedUpOwner } from './support/fixtures.js';
import { ifCreated } from './support/required';
import { recordStatements } from './support/statement-log.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * The compiled read path answers exactly as the resolvers do: every document below is sent to a server with the read
 * path on and to one with it off (the same database), and the answers must be the same JSON, keys in the same order.
 * Each case also says which path answered on the first server: compiled (the settings and one statement, in one round
 * trip) or the resolvers (a document, a reader or arguments the read path leaves to them).
 */

let compiled: TestServer;
let resolvers: TestServer;
let owner: SignedUpOwner;
let partnerKey: string;
/** ORDERS_READ without PII_READ: contacts' email and phone are masked. */
let narrowKey: string;

const SINCE = { since: '2000-01-01T00:00:00Z' };

beforeAll(async () => {
  compiled = await startTestServer();
  resolvers = await startTestServer({ COMPILED_READS: 'false' });
  owner = await signUpOwner(compiled);
  const address = { line1: '1 Harbour St', city: 'Portland', region: 'OR', postalCode: '97201', country: 'US' };
  const clients = [
    await createClient(compiled, owner, { name: 'Acme Outfitters', tags: ['vip', 'apparel'], billingAddress: address, website: 'https://acme.example' }),
    await createClient(compiled, owner, { name: 'Birch & Co "Quoted"', industry: 'Education' }),
  ];
  const contact = await createContact(compiled, owner, clients[0].id, { email: 'dana@acme.example', phone: '+1 503 555 0100', address });
  for (let i = 0; i < 7; i++) {
    await createOrder(compiled, owner, clients[i % 2].id, {
      contactId: i % 2 === 0 ? contact.id : undefined,
      inHandsDate: i % 3 === 0 ? '2027-03-0' + String(1 + i) : undefined,
      notes: i === 1 ? 'Line one\nline "two" \\ ünïcødé' : undefined,
      externalReferences: i === 2 ? [{ system: 'QUICKBOOKS', kind: 'ESTIMATE', value: 'E-77' }] : [],
      lines: [MUG_LINE, { ...MUG_LINE, productName: 'Tote', sku: null, quantity: 3, unitPrice: 1999 }].slice(0, 1 + (i % 2)),
    });
  }
  // More clients and contacts for their own lists: names that sort on both columns, one archived client.
  const archived = await createClient(compiled, owner, { name: 'Zephyr Archived', tags: ['apparel'] });
  await compiled.gql({ query: `mutation($id: ID!) { archiveClient(input: { id: $id }) { id } }`, variables: { id: archived.id }, token: owner.accessToken });
  for (const [firstName, lastName] of [
    ['Ada', 'Lovelace'],
    ['Alan', 'Lovelace'],
    ['Grace', 'Hopper'],
    ['Ada', 'Byron'],
  ]) {
    await createContact(compiled, owner, clients[1].id, { firstName, lastName, title: 'Buyer' });
  }
  const log = `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { id } }`;
  for (let i = 0; i < 5; i++) {
    const input = {
      clientId: clients[i % 2].id,
      contactId: i % 2 === 0 ? contact.id : undefined,
      channel: ['EMAIL', 'CALL', 'NOTE', 'MEETING', 'SMS'][i],
      direction: ['OUTBOUND', 'INBOUND', 'INTERNAL', 'OUTBOUND', 'INBOUND'][i],
      subject: i === 3 ? undefined : `Subject ${i}`,
      body: `Talked about mugs, round ${i}.`,
      occurredAt: new Date(Date.UTC(2026, 10, 1 + i, 9, 30, 0, 123)).toISOString(),
    };
    const answer = await compiled.gql({ query: log, variables: { input }, token: owner.accessToken });
    if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
  }
  partnerKey = (await createApiKey(compiled, owner, [Permission.ORDERS_READ, Permission.PII_READ])).secret;
  narrowKey = (await createApiKey(compiled, owner, [Permission.ORDERS_READ])).secret;
});

afterAll(async () => {
  await ifCreated(compiled)?.close();
  await ifCreated(resolvers)?.close();
});

type Path = 'compiled' | 'resolvers';

/** Sends the document to both servers; the answers must be the same text once normalised, and the path the one expected. */
async function sameAnswer(path: Path, query: string, variables: Record<string, unknown>, token: string): Promise<{ data?: unknown; errors?: unknown[] }> {
  // Warm the credential caches, so that the statements recorded are the operation's own.
  await compiled.gql({ query, variables, token });
  const { result, statements } = await recordStatements(compiled.app.get(MikroORM), () => compiled.gql({ query, variables, token }));
  const expected = await resolvers.gql({ query, variables, token });
  expect(result.status).toBe(expected.status);
  // The same values with the keys in the same order.
  expect(JSON.stringify(result.body)).toBe(JSON.stringify(expected.body));
  // A user's token is checked against its session first (statements of its own); the operation's follow.
  const page = statements.findIndex((statement) => statement.startsWith('with page as materialized'));
  const answeredBy: Path = page > 0 && statements[page - 1].startsWith("select set_config('role'") && page === statements.length - 1 ? 'compiled' : 'resolvers';
  expect(answeredBy).toBe(path);
  return result.body;
}

const EVERY_FIELD = /* GraphQL */ `
  query Every($first: Int, $after: String, $last: Int, $before: String, $filter: OrderFilter, $sort: OrderSort) {
    orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, sort: $sort) {
      __typename
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
        __typename
      }
      edges {
        __typename
        cursor
        node {
          __typename
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
            __typename
          }
          client {
            id
            name
            website
            industry
            tags
            ownerUserId
            notes
            archived
            archivedAt
            createdAt
            updatedAt
            billingAddress {
              line1
              line2
              city
              region
              postalCode
              country
            }
            shippingAddress {
              city
              country
            }
          }
          contact {
            id
            clientId
            firstName
            lastName
            title
            email
            phone
            address {
              line1
              city
              region
              postalCode
              country
            }
            createdAt
            updatedAt
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
      }
    }
  }
`;

describe('the compiled read path answers as the resolvers do', () => {
  it('the partner page', async () => {
    const body = await sameAnswer('compiled', PARTNER_ORDERS, SINCE, partnerKey);
    expect((body.data as { orders: { edges: unknown[] } }).orders.edges).toHaveLength(7);
  });

  it('every field, in every sort, forward and backward, page by page', async () => {
    for (const sort of [undefined, { field: 'NUMBER', direction: 'ASC' }, { field: 'UPDATED_AT', direction: 'DESC' }, { field: 'CHANGED', direction: 'ASC' }]) {
      let after: string | null = null;
      for (let page = 0; page < 5; page++) {
        const body = await sameAnswer('compiled', EVERY_FIELD, { first: 3, after, sort }, owner.accessToken);
        const info = (body.data as { orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null } } }).orders.pageInfo;
        if (!info.hasNextPage) break;
        after = info.endCursor;
      }
      const last = await sameAnswer('compiled', EVERY_FIELD, { last: 2, sort: sort?.field === 'CHANGED' ? undefined : sort }, owner.accessToken);
      const start = (last.data as { orders: { pageInfo: { startCursor: string } } }).orders.pageInfo.startCursor;
      await sameAnswer('compiled', EVERY_FIELD, { last: 2, before: start, sort: sort?.field === 'CHANGED' ? undefined : sort }, owner.accessToken);
    }
  });

  it('filters', async () => {
    for (const filter of [
      { status: ['QUOTE'] },
      { status: [] },
      { search: 'acme' },
      { search: '%_' },
      { createdAfter: '2001-01-01T00:00:00Z' },
      { updatedBefore: '2001-01-01T00:00:00Z' },
    ]) {
      await sameAnswer('compiled', EVERY_FIELD, { first: 10, filter }, owner.accessToken);
    }
  });

  it('aliases, fragments, repeated fields and __typename', async () => {
    const query = /* GraphQL */ `
      fragment Line on OrderLine {
        sku
        qty: quantity
      }
      query Shaped($since: DateTime!) {
        feed: orders(first: 4, filter: { updatedAfter: $since }, sort: { field: CHANGED, direction: ASC }) {
          all: totalCount
          edges {
            at: cursor
            node {
              ... on Order {
                number
                kind: __typename
              }
              number
              id
              lines {
                ...Line
                sku
              }
              buyer: contact {
                name: firstName
              }
            }
          }
          info: pageInfo {
            more: hasNextPage
          }
        }
      }
    `;
    await sameAnswer('compiled', query, SINCE, partnerKey);
  });

  it('a masked field goes to the resolvers: null with FORBIDDEN_FIELD, the rest as usual', async () => {
    const body = await sameAnswer('resolvers', PARTNER_ORDERS, SINCE, narrowKey);
    expect(body.errors?.length).toBeGreaterThan(0);
    // Without the masked fields, the same key's page is compiled.
    await sameAnswer('compiled', `query { orders(first: 5) { edges { node { id contact { firstName } } } } }`, {}, narrowKey);
  });

  it('documents and arguments it does not compile go to the resolvers, with the same answer', async () => {
    const cases: [string, Record<string, unknown>][] = [
      [`query { orders(first: 2) { edges { node { id client { owner { userId } } } } } }`, {}],
      [`query($skip: Boolean!) { orders(first: 2) { edges { node { id number @skip(if: $skip) } } } }`, { skip: true }],
      [`query { orders(first: 2) { totalCount } me { user { id } } }`, {}],
      [`query { orders(first: -1) { totalCount } }`, {}],
      [`query { orders(first: 2, after: "not-a-cursor") { totalCount } }`, {}],
      [`query($first: Int) { orders(first: $first) { totalCount } }`, { first: 'two' }],
      [`query { orders(first: 2, sort: { field: CHANGED, direction: DESC }) { totalCount } }`, {}],
      [`query { orders(first: 2) { edges { node { id nope } } } }`, {}],
    ];
    for (const [query, variables] of cases) await sameAnswer('resolvers', query, variables, owner.accessToken);
  });

  it('an anonymous or refused caller gets the same refusal', async () => {
    await sameAnswer('resolvers', PARTNER_ORDERS, SINCE, '');
    const clientsOnly = (await createApiKey(compiled, owner, [Permission.CLIENTS_READ])).secret;
    await sameAnswer('resolvers', PARTNER_ORDERS, SINCE, clientsOnly);
  });

  it('clients: every field, every sort, forward and backward, and the filters', async () => {
    const query = /* GraphQL */ `
      query Clients($first: Int, $after: String, $last: Int, $before: String, $filter: ClientFilter, $sort: ClientSort) {
        clients(first: $first, after: $after, last: $last, before: $before, filter: $filter, sort: $sort) {
          totalCount
          pageInfo {
            hasNextPage
            hasPreviousPage
            startCursor
            endCursor
          }
          edges {
            cursor
            node {
              __typename
              id
              name
              website
              industry
              tags
              ownerUserId
              notes
              archived
              archivedAt
              createdAt
              updatedAt
              billingAddress {
                line1
                line2
                city
                region
                postalCode
                country
              }
              shippingAddress {
                city
              }
            }
          }
        }
      }
    `;
    for (const sort of [undefined, { field: 'NAME' }, { field: 'NAME', direction: 'DESC' }, { field: 'UPDATED_AT', direction: 'ASC' }]) {
      const first = await sameAnswer('compiled', query, { first: 2, sort, filter: { archived: 'INCLUDE' } }, owner.accessToken);
      const info = (first.data as { clients: { pageInfo: { endCursor: string } } }).clients.pageInfo;
      const second = await sameAnswer('compiled', query, { first: 2, after: info.endCursor, sort, filter: { archived: 'INCLUDE' } }, owner.accessToken);
      const start = (second.data as { clients: { pageInfo: { startCursor: string } } }).clients.pageInfo.startCursor;
      await sameAnswer('compiled', query, { last: 1, before: start, sort, filter: { archived: 'INCLUDE' } }, owner.accessToken);
    }
    for (const filter of [
      { archived: 'ONLY' },
      { search: 'acme' },
      { tag: 'apparel' },
      { tag: 'apparel', archived: 'INCLUDE' },
      { ownerUserId: owner.userId },
    ]) {
      await sameAnswer('compiled', query, { first: 10, filter }, owner.accessToken);
    }
    await sameAnswer('resolvers', query, { first: 2, after: 'WyJ4Il0' }, owner.accessToken);
    await sameAnswer('resolvers', `query { clients(first: 2) { edges { node { id owner { userId } } } } }`, {}, owner.accessToken);
  });

  it('contacts: every field, both sorts, forward and backward, and the filters', async () => {
    const query = /* GraphQL */ `
      query Contacts($first: Int, $after: String, $last: Int, $before: String, $filter: ContactFilter, $sort: ContactSort) {
        contacts(first: $first, after: $after, last: $last, before: $before, filter: $filter, sort: $sort) {
          totalCount
          pageInfo {
            hasNextPage
            hasPreviousPage
            startCursor
            endCursor
          }
          edges {
            cursor
            node {
              id
              clientId
              firstName
              lastName
              title
              email
              phone
              address {
                line1
                city
                postalCode
                country
              }
              createdAt
              updatedAt
            }
          }
        }
      }
    `;
    for (const sort of [undefined, { field: 'NAME' }, { field: 'NAME', direction: 'DESC' }, { field: 'CREATED_AT', direction: 'ASC' }]) {
      let after: string | null = null;
      for (let page = 0; page < 4; page++) {
        const body = await sameAnswer('compiled', query, { first: 2, after, sort }, owner.accessToken);
        const info = (body.data as { contacts: { pageInfo: { hasNextPage: boolean; endCursor: string | null } } }).contacts.pageInfo;
        if (!info.hasNextPage) break;
        after = info.endCursor;
      }
      await sameAnswer('compiled', query, { last: 3, sort }, owner.accessToken);
    }
    for (const filter of [{ search: 'ada love' }, { search: 'HOP' }, { search: '  ' }])
      await sameAnswer('compiled', query, { first: 10, filter }, owner.accessToken);
    // Email, phone and address need PII_READ: masked for this key, so the resolvers answer.
    const clientsReader = (await createApiKey(compiled, owner, [Permission.CLIENTS_READ])).secret;
    await sameAnswer('resolvers', query, { first: 3 }, clientsReader);
    await sameAnswer('compiled', `query { contacts(first: 3) { edges { node { id firstName } } } }`, {}, clientsReader);
  });

  it('communications: every field, both sorts, forward and backward, and the filters', async () => {
    const query = /* GraphQL */ `
      query Communications($first: Int, $after: String, $last: Int, $before: String, $filter: CommunicationFilter, $sort: CommunicationSort) {
        communications(first: $first, after: $after, last: $last, before: $before, filter: $filter, sort: $sort) {
          totalCount
          pageInfo {
            hasNextPage
            hasPreviousPage
            startCursor
            endCursor
          }
          edges {
            cursor
            node {
              id
              clientId
              contactId
              channel
              direction
              subject
              body
              occurredAt
              marketing
              authorUserId
              createdAt
              updatedAt
            }
          }
        }
      }
    `;
    for (const sort of [undefined, { field: 'OCCURRED_AT', direction: 'ASC' }, { field: 'CREATED_AT' }]) {
      const first = await sameAnswer('compiled', query, { first: 2, sort }, owner.accessToken);
      const end = (first.data as { communications: { pageInfo: { endCursor: string } } }).communications.pageInfo.endCursor;
      await sameAnswer('compiled', query, { first: 2, after: end, sort }, owner.accessToken);
      await sameAnswer('compiled', query, { last: 2, before: end, sort }, owner.accessToken);
    }
    const filters = [
      { channel: 'EMAIL' },
      { direction: 'INBOUND' },
      { marketing: false },
      { occurredAfter: '2026-11-02T09:30:00.123Z', occurredBefore: '2026-11-04T09:30:00.123Z' },
    ];
    for (const filter of filters) await sameAnswer('compiled', query, { first: 10, filter }, owner.accessToken);
    await sameAnswer('resolvers', `query { communications(first: 2) { edges { node { id author { userId } } } } }`, {}, owner.accessToken);
  });
});
