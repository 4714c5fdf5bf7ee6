import { Permission } from '../src/common/authorization/permission.js';
import { createApiKey } from './support/fixtures.js';
import { seedReadPathTenant, sameAnswerOn, type ReadPathTenant } from './support/read-path.js';
import { ifCreated } from './support/required';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * The compiled read path answers the other lists (clients, contacts, communications) exactly as the resolvers do, in
 * every sort, direction and filter (see support/read-path.ts).
 */

let compiled: TestServer;
let resolvers: TestServer;
let tenant: ReadPathTenant;
let sameAnswer: ReturnType<typeof sameAnswerOn>;

beforeAll(async () => {
  compiled = await startTestServer();
  resolvers = await startTestServer({ COMPILED_READS: 'false' });
  tenant = await seedReadPathTenant(compiled);
  sameAnswer = sameAnswerOn(compiled, resolvers);
});

afterAll(async () => {
  await ifCreated(compiled)?.close();
  await ifCreated(resolvers)?.close();
});

describe('the compiled read path answers the other lists as the resolvers do', () => {
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
      const first = await sameAnswer('compiled', query, { first: 2, sort, filter: { archived: 'INCLUDE' } }, tenant.owner.accessToken);
      const info = (first.data as { clients: { pageInfo: { endCursor: string } } }).clients.pageInfo;
      const second = await sameAnswer('compiled', query, { first: 2, after: info.endCursor, sort, filter: { archived: 'INCLUDE' } }, tenant.owner.accessToken);
      const start = (second.data as { clients: { pageInfo: { startCursor: string } } }).clients.pageInfo.startCursor;
      await sameAnswer('compiled', query, { last: 1, before: start, sort, filter: { archived: 'INCLUDE' } }, tenant.owner.accessToken);
    }
    for (const filter of [
      { archived: 'ONLY' },
      { search: 'acme' },
      { tag: 'apparel' },
      { tag: 'apparel', archived: 'INCLUDE' },
      { ownerUserId: tenant.owner.userId },
    ]) {
      await sameAnswer('compiled', query, { first: 10, filter }, tenant.owner.accessToken);
    }
    await sameAnswer('resolvers', query, { first: 2, after: 'WyJ4Il0' }, tenant.owner.accessToken);
    await sameAnswer(
      'compiled',
      `query { clients(first: 5, filter: { archived: INCLUDE }) { edges { node { id owner { userId fullName } } } } }`,
      {},
      tenant.owner.accessToken,
    );
    await sameAnswer(
      'compiled',
      `query { clients(first: 5, sort: { field: NAME }) { edges { node { id contacts { id firstName lastName email address { city } } } } } }`,
      {},
      tenant.owner.accessToken,
    );
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
        const body = await sameAnswer('compiled', query, { first: 2, after, sort }, tenant.owner.accessToken);
        const info = (body.data as { contacts: { pageInfo: { hasNextPage: boolean; endCursor: string | null } } }).contacts.pageInfo;
        if (!info.hasNextPage) break;
        after = info.endCursor;
      }
      await sameAnswer('compiled', query, { last: 3, sort }, tenant.owner.accessToken);
    }
    for (const filter of [{ search: 'ada love' }, { search: 'HOP' }, { search: '  ' }])
      await sameAnswer('compiled', query, { first: 10, filter }, tenant.owner.accessToken);
    // Email, phone and address need PII_READ: masked for this key, so the resolvers answer.
    const clientsReader = (await createApiKey(compiled, tenant.owner, [Permission.CLIENTS_READ])).secret;
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
      const first = await sameAnswer('compiled', query, { first: 2, sort }, tenant.owner.accessToken);
      const end = (first.data as { communications: { pageInfo: { endCursor: string } } }).communications.pageInfo.endCursor;
      await sameAnswer('compiled', query, { first: 2, after: end, sort }, tenant.owner.accessToken);
      await sameAnswer('compiled', query, { last: 2, before: end, sort }, tenant.owner.accessToken);
    }
    const filters = [
      { channel: 'EMAIL' },
      { direction: 'INBOUND' },
      { marketing: false },
      { occurredAfter: '2026-11-02T09:30:00.123Z', occurredBefore: '2026-11-04T09:30:00.123Z' },
    ];
    for (const filter of filters) await sameAnswer('compiled', query, { first: 10, filter }, tenant.owner.accessToken);
    await sameAnswer(
      'compiled',
      `query { communications(first: 5) { edges { node { id author { userId fullName __typename } } } } }`,
      {},
      tenant.owner.accessToken,
    );
  });
});
