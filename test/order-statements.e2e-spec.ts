import { MikroORM } from '@mikro-orm/postgresql';
import { Permission } from '../src/common/authorization/permission.js';
import { createApiKey, createClient, createContact, createOrder, MUG_LINE, signUpOwner, PARTNER_ORDERS } from './support/fixtures.js';
import { recordStatements } from './support/statement-log.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { ifCreated } from './support/required';

/**
 * No N+1: one page of orders with client, contact and lines costs the same few SQL statements whether it holds 5
 * orders or 50. Statements are counted at the ORM's query log, transaction control and session setup included.
 */

/** A user's list page with every relation, history included, newest first. */
const USER_ORDERS = /* GraphQL */ `
  query {
    orders(first: 50) {
      edges {
        node {
          id
          number
          totalCost
          margin
          client {
            id
            name
          }
          contact {
            id
            email
          }
          lines {
            id
            unitCost
            lineCost
          }
          history {
            toStatus
          }
        }
      }
    }
  }
`;

let server: TestServer;
/** The same tenants read through the resolvers alone (the compiled read path off), on the same database. */
let resolvers: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  resolvers = await startTestServer({ COMPILED_READS: 'false' });
});

afterAll(async () => {
  await ifCreated(server)?.close();
  await ifCreated(resolvers)?.close();
});

interface World {
  key: string;
  accessToken: string;
  orders: number;
}

/** A tenant with `orders` orders of three lines each, spread over five clients with a contact each. */
async function tenantWithOrders(orders: number): Promise<World> {
  const owner = await signUpOwner(server);
  const clients = [];
  for (let i = 0; i < 5; i++) {
    const client = await createClient(server, owner);
    clients.push({ client, contact: await createContact(server, owner, client.id, { email: `buyer${i}@client.test` }) });
  }
  for (let i = 0; i < orders; i++) {
    const { client, contact } = clients[i % clients.length];
    await createOrder(server, owner, client.id, { contactId: contact.id, lines: [MUG_LINE, MUG_LINE, MUG_LINE] });
  }
  const key = await createApiKey(server, owner, [Permission.ORDERS_READ, Permission.PII_READ]);
  return { key: key.secret, accessToken: owner.accessToken, orders };
}

/**
 * Runs the request to warm caches (the API key's credential), then records the statements of another run. The change
 * feed lists an order only once every older transaction has finished, and other suites' requests share the database:
 * the warm-up repeats until the whole page is visible.
 */
async function statementsOf(query: string, token: string, expectedOrders: number, via = server): Promise<string[]> {
  const variables = { since: '2000-01-01T00:00:00Z' };
  for (let attempt = 0; attempt < 50; attempt++) {
    const warm = await via.gql<{ orders: { edges: unknown[] } }>({ query, variables, token });
    if (warm.body.data?.orders.edges.length === expectedOrders) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { result, statements } = await recordStatements(via.app.get(MikroORM), () =>
    via.gql<{ orders: { edges: { node: { lines: unknown[] } }[] } }>({ query, variables, token }),
  );
  expect(result.body.errors).toBeUndefined();
  expect(result.body.data?.orders.edges).toHaveLength(expectedOrders);
  expect(result.body.data?.orders.edges.every((edge) => edge.node.lines.length === 3)).toBe(true);
  return statements;
}

/** The statement's kind: its first word, or the table it reads. */
function kindOf(statement: string): string {
  const table = /\bfrom\s+"?(\w+)"?/i.exec(statement)?.[1];
  const verb = statement.trim().split(/\s+/)[0].toLowerCase();
  return verb === 'select' && table ? `select ${table}` : verb;
}

/** The tables a statement reads, in order of appearance. */
function relationsIn(statement: string): string[] {
  return [...statement.matchAll(/\bfrom\s+"?(\w+)"?/gi)].map((match) => match[1]);
}

describe('statements per orders page', () => {
  let small: World;
  let large: World;

  beforeAll(async () => {
    small = await tenantWithOrders(5);
    large = await tenantWithOrders(50);
  });

  it('the partner page: one round trip of two statements, the same for 5 and for 50 orders', async () => {
    const few = await statementsOf(PARTNER_ORDERS, small.key, 5);
    const many = await statementsOf(PARTNER_ORDERS, large.key, 50);
    expect(many.map(kindOf)).toEqual(few.map(kindOf));
    // The row-level-security settings, then the page with every relation, in one round trip and no transaction control.
    expect(many.map(kindOf)).toEqual(['select', 'with']);
    expect(many[0]).toMatch(/^select set_config\('role'/);
    expect(relationsIn(many[1])).toEqual(expect.arrayContaining(['order', 'client', 'contact', 'order_line']));
  });

  it('the partner page through the resolvers: the same statements for 5 and for 50 orders', async () => {
    const few = await statementsOf(PARTNER_ORDERS, small.key, 5, resolvers);
    const many = await statementsOf(PARTNER_ORDERS, large.key, 50, resolvers);
    expect(many.map(kindOf)).toEqual(few.map(kindOf));
    // The transaction with its row-level-security setup, the page, one statement for all its relations, the commit.
    expect(many.map(kindOf)).toEqual(['begin', 'select', 'select order', 'select client', 'commit']);
    expect(relationsIn(many.at(-2) ?? '')).toEqual(['client', 'contact', 'order_line']);
  });

  it("a user's page with history: one statement for 5 and for 50 orders, and no count", async () => {
    for (const via of [server, resolvers]) {
      const few = await statementsOf(USER_ORDERS, small.accessToken, 5, via);
      const many = await statementsOf(USER_ORDERS, large.accessToken, 50, via);
      expect(many.map(kindOf)).toEqual(few.map(kindOf));
      const pages = many.filter((statement) => relationsIn(statement).includes('order'));
      expect(pages).toHaveLength(1);
      const relations = via === server ? pages : many.filter((statement) => relationsIn(statement).includes('order_line'));
      expect(relations.map(relationsIn).flat()).toEqual(expect.arrayContaining(['client', 'contact', 'order_line', 'order_status_change']));
      expect(many.some((statement) => /count\(/i.test(statement))).toBe(false);
      // The session check of the user's token (its own short transaction) plus the operation's statements.
      expect(many.length).toBeLessThanOrEqual(12);
    }
  });
});
