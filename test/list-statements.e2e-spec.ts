import { MikroORM } from '@mikro-orm/postgresql';
import { Permission } from '../src/common/authorization/permission.js';
import { createApiKey, createClient, createContact, createOrder, MUG_LINE, signUpOwner } from './support/fixtures.js';
import { ifCreated } from './support/required';
import { recordStatements } from './support/statement-log.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * No N+1 on any list: a page costs the same statements whether it holds 5 items or 30, through the compiled read path
 * (the session settings and one statement, in one round trip) and through the resolvers (the read path off).
 */

const LISTS: Record<string, string> = {
  orders: `{ orders(first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id number client { name }
    contact { firstName email } lines { sku quantity } history { toStatus } externalReferences { system } } } } }`,
  clients: `{ clients(first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name tags billingAddress { city } } } } }`,
  contacts: `{ contacts(first: 50, sort: { field: NAME }) { totalCount pageInfo { hasNextPage } edges { cursor node { id firstName lastName email address { city } } } } }`,
  communications: `{ communications(first: 50) { totalCount pageInfo { hasNextPage } edges { cursor node { id channel subject occurredAt } } } }`,
};

let compiled: TestServer;
let resolvers: TestServer;

beforeAll(async () => {
  compiled = await startTestServer();
  resolvers = await startTestServer({ COMPILED_READS: 'false' });
});

afterAll(async () => {
  await ifCreated(compiled)?.close();
  await ifCreated(resolvers)?.close();
});

/** A tenant with `size` clients, each with a contact, an order of two lines and a logged call; its API key. */
async function tenantOf(size: number): Promise<string> {
  const owner = await signUpOwner(compiled);
  for (let i = 0; i < size; i++) {
    const client = await createClient(compiled, owner, { tags: ['a', 'b'] });
    const contact = await createContact(compiled, owner, client.id, { email: `c${i}@client.test` });
    await createOrder(compiled, owner, client.id, { contactId: contact.id, lines: [MUG_LINE, MUG_LINE] });
    const answer = await compiled.gql({
      query: `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { id } }`,
      variables: { input: { clientId: client.id, channel: 'CALL', direction: 'OUTBOUND', body: 'Called.', occurredAt: '2026-11-01T10:00:00Z' } },
      token: owner.accessToken,
    });
    if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
  }
  return (await createApiKey(compiled, owner, [Permission.ORDERS_READ, Permission.CLIENTS_READ, Permission.PII_READ])).secret;
}

async function statementsOf(server: TestServer, query: string, key: string, size: number): Promise<string[]> {
  const field = Object.keys(LISTS).find((name) => LISTS[name] === query) ?? '';
  // Warms the key's credential cache; the statements recorded are then the operation's own.
  await server.gql({ query, token: key });
  const { result, statements } = await recordStatements(server.app.get(MikroORM), () =>
    server.gql<Record<string, { totalCount: number }>>({ query, token: key }),
  );
  expect(result.body.errors).toBeUndefined();
  expect(result.body.data?.[field].totalCount).toBe(size);
  return statements;
}

/** A statement's kind: its first word, or the table it reads first. */
function kindOf(statement: string): string {
  const verb = statement.trim().split(/\s+/)[0].toLowerCase();
  const table = /\bfrom\s+"?(\w+)"?/i.exec(statement)?.[1];
  return verb === 'select' && table ? `select ${table}` : verb;
}

describe('statements per list page', () => {
  let few: string;
  let many: string;

  beforeAll(async () => {
    few = await tenantOf(5);
    many = await tenantOf(30);
  }, 120_000);

  it.each(Object.keys(LISTS))('%s: the settings and one statement, for 5 items as for 30', async (list) => {
    for (const [key, size] of [
      [few, 5],
      [many, 30],
    ] as const) {
      const statements = await statementsOf(compiled, LISTS[list], key, size);
      expect(statements.map(kindOf)).toEqual(['select', 'with']);
      expect(statements[0]).toMatch(/^select set_config\('role'/);
    }
  });

  it.each(Object.keys(LISTS))('%s through the resolvers: the same statements for 5 items as for 30', async (list) => {
    const small = await statementsOf(resolvers, LISTS[list], few, 5);
    const large = await statementsOf(resolvers, LISTS[list], many, 30);
    expect(large.map(kindOf)).toEqual(small.map(kindOf));
    expect(small[0]).toBe('begin');
  });
});
