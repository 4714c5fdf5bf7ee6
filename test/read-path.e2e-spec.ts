import { Permission } from '../src/common/authorization/permission.js';
import { OperationUsageCounter } from '../src/audit/usage/operation-usage.counter.js';
import { privilegedQuery } from './support/database.js';
import { createApiKey, PARTNER_ORDERS } from './support/fixtures.js';
import { seedReadPathTenant, sameAnswerOn, type ReadPathTenant } from './support/read-path.js';
import { ifCreated } from './support/required';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * The compiled read path answers orders exactly as the resolvers do: every document below is sent to a server with
 * the read path on and to one with it off, and must get the same JSON (see support/read-path.ts), from the path named.
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

const SINCE = { since: '2000-01-01T00:00:00Z' };

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
    const body = await sameAnswer('compiled', PARTNER_ORDERS, SINCE, tenant.partnerKey);
    expect((body.data as { orders: { edges: unknown[] } }).orders.edges).toHaveLength(7);
  });

  it('every field, in every sort, forward and backward, page by page', async () => {
    for (const sort of [undefined, { field: 'NUMBER', direction: 'ASC' }, { field: 'UPDATED_AT', direction: 'DESC' }, { field: 'CHANGED', direction: 'ASC' }]) {
      let after: string | null = null;
      for (let page = 0; page < 5; page++) {
        const body = await sameAnswer('compiled', EVERY_FIELD, { first: 3, after, sort }, tenant.owner.accessToken);
        const info = (body.data as { orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null } } }).orders.pageInfo;
        if (!info.hasNextPage) break;
        after = info.endCursor;
      }
      const last = await sameAnswer('compiled', EVERY_FIELD, { last: 2, sort: sort?.field === 'CHANGED' ? undefined : sort }, tenant.owner.accessToken);
      const start = (last.data as { orders: { pageInfo: { startCursor: string } } }).orders.pageInfo.startCursor;
      await sameAnswer('compiled', EVERY_FIELD, { last: 2, before: start, sort: sort?.field === 'CHANGED' ? undefined : sort }, tenant.owner.accessToken);
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
      await sameAnswer('compiled', EVERY_FIELD, { first: 10, filter }, tenant.owner.accessToken);
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
    await sameAnswer('compiled', query, SINCE, tenant.partnerKey);
  });

  it('a masked field goes to the resolvers: null with FORBIDDEN_FIELD, the rest as usual', async () => {
    const body = await sameAnswer('resolvers', PARTNER_ORDERS, SINCE, tenant.narrowKey);
    expect(body.errors?.length).toBeGreaterThan(0);
    // Without the masked fields, the same key's page is compiled.
    await sameAnswer('compiled', `query { orders(first: 5) { edges { node { id contact { firstName } } } } }`, {}, tenant.narrowKey);
  });

  it('documents and arguments it does not compile go to the resolvers, with the same answer', async () => {
    const cases: [string, Record<string, unknown>][] = [
      [`query { __typename orders(first: 2) { edges { node { id client { contacts { id } } } } } }`, {}],
      [`query($skip: Boolean!) { orders(first: 2) { edges { node { id number @skip(if: $skip) } } } }`, { skip: true }],
      [`query { orders(first: 2) { totalCount } me { user { id } } }`, {}],
      [`query { orders(first: -1) { totalCount } }`, {}],
      [`query { orders(first: 2, after: "not-a-cursor") { totalCount } }`, {}],
      [`query($first: Int) { orders(first: $first) { totalCount } }`, { first: 'two' }],
      [`query { orders(first: 2, sort: { field: CHANGED, direction: DESC }) { totalCount } }`, {}],
      [`query { orders(first: 2) { edges { node { id nope } } } }`, {}],
    ];
    for (const [query, variables] of cases) await sameAnswer('resolvers', query, variables, tenant.owner.accessToken);
  });

  it('an anonymous or refused caller gets the same refusal', async () => {
    await sameAnswer('resolvers', PARTNER_ORDERS, SINCE, '');
    const clientsOnly = (await createApiKey(compiled, tenant.owner, [Permission.CLIENTS_READ])).secret;
    await sameAnswer('resolvers', PARTNER_ORDERS, SINCE, clientsOnly);
  });

  it("counts usage and records an API key's use once per interval, as the resolvers do", async () => {
    const key = await createApiKey(compiled, tenant.owner, [Permission.ORDERS_READ, Permission.PII_READ]);
    const ordersCounted = async () => {
      await compiled.app.get(OperationUsageCounter).flush();
      const [row] = await privilegedQuery<{ total: string | null }>(
        `select sum(count) as total from operation_usage where tenant_id = $1 and field_name = 'orders' and operation_type = 'query'`,
        [tenant.owner.tenantId],
      );
      return Number(row.total ?? 0);
    };
    const before = await ordersCounted();
    // The first read (sameAnswer's warm-up) writes the key's use entry, through the resolvers; the rest are compiled
    // and write none until the interval has passed.
    await sameAnswer('compiled', PARTNER_ORDERS, SINCE, key.secret);
    await sameAnswer('compiled', PARTNER_ORDERS, SINCE, key.secret);
    await sameAnswer('compiled', PARTNER_ORDERS, SINCE, key.secret);
    // sameAnswer sends each document twice to the compiled server (a warm-up, then the recorded request).
    expect((await ordersCounted()) - before).toBe(6);
    const uses = await privilegedQuery(`select 1 from audit_entry where action = 'apiKey.use' and target_id = $1`, [key.id]);
    // One per server: each instance throttles the entry on its own.
    expect(uses).toHaveLength(2);
  });
});
