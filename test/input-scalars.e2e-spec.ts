import { createClient, createOrder, signUpOwner, type SignedUpOwner } from './support/fixtures';
import { dataOf, errorCode, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server';

/** What DateTime must refuse: not RFC 3339 with an offset, or outside years 0001–9999 (in UTC). */
const BAD_DATE_TIMES: [string, unknown][] = [
  ['a boolean', true],
  ['a number', 1],
  ['epoch milliseconds', 1767225600000],
  ['a loose string', '1'],
  ['a date without time', '2026-01-31'],
  ['a time without offset', '2026-01-31T09:30:00'],
  ['a space for T', '2026-01-31 09:30:00Z'],
  ['an impossible date', '2026-02-30T09:30:00Z'],
  ['hour 24', '2026-01-31T24:00:00Z'],
  ['a leap second', '2016-12-31T23:59:60Z'],
  ['an English date', 'Jan 31 2026 09:30 GMT'],
  ['year 0', '0000-06-01T00:00:00Z'],
  ['a negative year', '-000001-01-01T00:00:00Z'],
  ['year 275760', '+275760-09-13T00:00:00Z'],
  ['year 0001 that is year 0 in UTC', '0001-01-01T00:30:00+01:00'],
  ['an object', { at: '2026-01-31T09:30:00Z' }],
];

/**
 * Each DateTime input the issue names: the variable's type, and the document with `at` in the value's place (as a
 * `$at` variable, or as a literal).
 */
const DATE_TIME_PLACES: [string, string, (at: string) => string][] = [
  ['orders(filter.updatedAfter)', 'DateTime', (at) => `{ orders(filter: { updatedAfter: ${at} }) { totalCount } }`],
  ['orders(filter.createdBefore)', 'DateTime', (at) => `{ orders(filter: { createdBefore: ${at} }) { totalCount } }`],
  ['communications(filter.occurredAfter)', 'DateTime', (at) => `{ communications(filter: { occurredAfter: ${at} }) { totalCount } }`],
  ['auditEntries(filter.from)', 'DateTime', (at) => `{ auditEntries(filter: { from: ${at} }) { edges { cursor } } }`],
  ['usageSummary(to)', 'DateTime!', (at) => `{ usageSummary(from: "2026-01-01T00:00:00Z", to: ${at}) { activeUsers } }`],
  ['createApiKey.expiresAt', 'DateTime', (at) => `mutation { createApiKey(input: { name: "Dated key", scopes: [ORDERS_READ], expiresAt: ${at} }) { secret } }`],
];

/** The value as a GraphQL literal: strings quoted, objects as input objects. */
function literal(value: unknown): string {
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${key}: ${literal(item)}`)
      .join(', ')} }`;
  }
  return JSON.stringify(value);
}

/** The document with `$at` declared as a variable of `type`. */
function withVariable(document: string, type: string): string {
  const operation = document.startsWith('mutation') ? 'mutation' : 'query';
  const body = document.startsWith('mutation') ? document.slice('mutation'.length) : document;
  return `${operation}($at: ${type}) ${body}`;
}

function expectBadInput(response: GraphQLResponse, label: string): void {
  expect({ label, status: response.status, code: errorCode(response), data: response.body.data ?? null }).toEqual({
    label,
    status: 400,
    code: 'BAD_USER_INPUT',
    data: null,
  });
}

describe('DateTime, LocalDate and SafeInt take only what they say', () => {
  let server: TestServer;
  let owner: SignedUpOwner;
  let clientId: string;
  const gql = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
    server.gql<T>({ query, variables, token: owner.accessToken });
  const apiKeyCount = async () => dataOf(await gql<{ apiKeys: unknown[] }>('{ apiKeys { id } }')).apiKeys.length;
  const communicationCount = async () =>
    dataOf(await gql<{ communications: { totalCount: number } }>(`{ communications(filter: { clientId: "${clientId}" }) { totalCount } }`)).communications
      .totalCount;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await signUpOwner(server);
    clientId = (await createClient(server, owner)).id;
  });
  afterAll(() => server.close());

  it.each(DATE_TIME_PLACES)('refuses every malformed or out-of-range DateTime in %s, as a variable and as a literal', async (place, type, document) => {
    for (const [label, value] of BAD_DATE_TIMES) {
      expectBadInput(await gql(withVariable(document('$at'), type), { at: value }), `${place} variable: ${label}`);
      expectBadInput(await gql(document(literal(value))), `${place} literal: ${label}`);
    }
    expect(await apiKeyCount()).toBe(0);
  });

  it('stores nothing for a communication whose occurredAt is a boolean or "1" (once stored as 1970 and 2001)', async () => {
    const LOG = `mutation($at: DateTime!) { logCommunication(input: { clientId: "${clientId}", channel: EMAIL, direction: OUTBOUND, body: "b", occurredAt: $at }) { id } }`;
    for (const at of [true, '1', 0, '2026-01-31']) expectBadInput(await gql(LOG, { at }), `occurredAt ${JSON.stringify(at)}`);
    expect(await communicationCount()).toBe(0);
  });

  it('takes any offset and answers the same instant in UTC; lower-case t and z are RFC 3339 too', async () => {
    const LOG = `mutation($at: DateTime!) { logCommunication(input: { clientId: "${clientId}", channel: EMAIL, direction: OUTBOUND, body: "b", occurredAt: $at }) { occurredAt } }`;
    const stored = async (at: string) => dataOf(await gql<{ logCommunication: { occurredAt: string } }>(LOG, { at })).logCommunication.occurredAt;
    expect(await stored('2026-01-31T10:30:00+01:00')).toBe('2026-01-31T09:30:00.000Z');
    expect(await stored('2026-01-31T04:00:00.25-05:30')).toBe('2026-01-31T09:30:00.250Z');
    expect(await stored('2026-01-31t09:30:00z')).toBe('2026-01-31T09:30:00.000Z');
  });

  it('takes both ends of the range to PostgreSQL and back: as filters, and stored', async () => {
    const key = await gql<{ createApiKey: { apiKey: { expiresAt: string } } }>(
      `mutation($at: DateTime) { createApiKey(input: { name: "Long key", scopes: [ORDERS_READ], expiresAt: $at }) { apiKey { expiresAt } } }`,
      { at: '9999-12-31T23:59:59.999Z' },
    );
    expect(dataOf(key).createApiKey.apiKey.expiresAt).toBe('9999-12-31T23:59:59.999Z');
    const since = async (at: string) =>
      dataOf(
        await gql<{ communications: { totalCount: number } }>(
          `query($at: DateTime) { communications(filter: { clientId: "${clientId}", occurredAfter: $at }) { totalCount } }`,
          { at },
        ),
      ).communications.totalCount;
    expect(await since('0001-01-01T00:00:00Z')).toBeGreaterThanOrEqual(1);
    expect(await since('9999-12-31T23:59:59.999Z')).toBe(0);
  });

  it('refuses an in-hands date PostgreSQL cannot hold, or that is not a date, and stores the ends of the range', async () => {
    const CREATE = `mutation($d: LocalDate) { createOrder(input: { clientId: "${clientId}", currency: "USD", inHandsDate: $d }) { inHandsDate } }`;
    for (const d of ['0000-01-01', '2026-02-30', '2026-1-31', '31/01/2026', 20260131, true, '2026-01-31T00:00:00Z']) {
      expectBadInput(await gql(CREATE, { d }), `createOrder inHandsDate ${JSON.stringify(d)}`);
      expectBadInput(await gql(CREATE.replace('($d: LocalDate)', '').replace('$d', literal(d))), `createOrder inHandsDate literal ${JSON.stringify(d)}`);
    }
    const order = await createOrder(server, owner, clientId);
    const UPDATE = `mutation($id: ID!, $d: LocalDate) { updateOrder(id: $id, patch: { inHandsDate: $d }) { inHandsDate } }`;
    expectBadInput(await gql(UPDATE, { id: order.id, d: '0000-12-31' }), 'updateOrder inHandsDate 0000-12-31');
    for (const d of ['0001-01-01', '9999-12-31']) {
      expect(dataOf(await gql<{ updateOrder: { inHandsDate: string } }>(UPDATE, { id: order.id, d })).updateOrder.inHandsDate).toBe(d);
    }
  });

  it('refuses money that is not a safe integer with BAD_USER_INPUT, as a variable and as a literal', async () => {
    const order = await createOrder(server, owner, clientId);
    const ADD = `mutation($price: SafeInt!) { addOrderLine(orderId: "${order.id}", line: { productName: "Cap", quantity: 1, unitPrice: $price, unitCost: 1 }) { id } }`;
    for (const price of ['5', 1.5, 2 ** 53, true]) {
      expectBadInput(await gql(ADD, { price }), `unitPrice ${JSON.stringify(price)}`);
      expectBadInput(await gql(ADD.replace('($price: SafeInt!)', '').replace('$price', literal(price))), `unitPrice literal ${JSON.stringify(price)}`);
    }
  });
});
