import { expect } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { privilegedQuery } from './support/database';
import { FakeStripe } from './support/fake-stripe';
import { startTestServer, type GraphQLResponse, type TestServer } from './support/test-server';

const WEBHOOK_SECRET = 'whsec_promox_payload_test';

type Json = Record<string, unknown>;

describe('a correctly signed Stripe webhook whose body is not an event', () => {
  let server: TestServer;
  let stripe: FakeStripe;

  const deliver = async (event: Json) => {
    const { status, body } = await stripe.deliver(server.url, event);
    return { status, body: body as GraphQLResponse['body'] };
  };
  const stored = async (id: string) => (await privilegedQuery<{ id: string }>(`select id from stripe_event where id = $1`, [id])).length;
  const eventId = () => `evt_payload_${randomUUID().replaceAll('-', '')}`;
  /** An event about a customer no tenant has: well-formed, so stored and ignored. */
  const event = (overrides: Json = {}): Json => ({
    id: eventId(),
    object: 'event',
    type: 'customer.updated',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { id: `cus_nobody_${randomUUID().slice(0, 8)}`, object: 'customer' } },
    ...overrides,
  });

  beforeAll(async () => {
    stripe = await new FakeStripe(WEBHOOK_SECRET).start();
    server = await startTestServer({
      STRIPE_SECRET_KEY: 'sk_test_promox_fake_key',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE_URL: stripe.url,
      BILLING_EVENT_RETRY_INTERVAL_SECONDS: '0',
    });
  });
  afterAll(async () => {
    await server.close();
    await stripe.stop();
  });

  it('stores a well-formed event (the control)', async () => {
    const good = event();
    expect(await deliver(good)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(await stored(good.id as string)).toBe(1);
  });

  it.each<[string, Json]>([
    ['no data', { data: undefined }],
    ['data null', { data: null }],
    ['data without object', { data: {} }],
    ['data.object a string', { data: { object: 'cus_123' } }],
    ['data.object a list', { data: { object: [{ id: 'cus_123' }] } }],
    ['a numeric type', { type: 42 }],
    ['no type', { type: undefined }],
    ['a type past 100 characters', { type: `customer.${'x'.repeat(100)}` }],
    ['created as text', { created: 'yesterday' }],
    ['created past year 9999', { created: 1e15 }],
    ['created as a fraction', { created: 1767225600.5 }],
    ['livemode as text', { livemode: 'no' }],
    ['an object id past 255 characters', { data: { object: { id: `sub_${'9'.repeat(300)}`, object: 'subscription' } } }],
    ['a customer whose id is a number', { data: { object: { id: 'sub_1', object: 'subscription', customer: { id: 5 } } } }],
    ['a customer id with NUL', { data: { object: { id: 'sub_1', object: 'subscription', customer: 'cus_\u0000' } } }],
    ['a lone surrogate in the object id', { data: { object: { id: 'in_\ud800', object: 'invoice' } } }],
  ])('refuses %s with 400 BAD_USER_INPUT and stores nothing', async (_label, overrides) => {
    const bad = event(overrides);
    const response = await deliver(bad);
    expect(response).toEqual({
      status: 400,
      body: { errors: [{ message: expect.stringMatching(/^Not a Stripe event: /), extensions: { code: 'BAD_USER_INPUT' } }] },
    });
    expect(await stored(bad.id as string)).toBe(0);
  });

  it('refuses an event without an id, or with one the intake cannot store, and stores nothing', async () => {
    const long = `evt_${'1'.repeat(300)}`;
    for (const id of [undefined, 17, '', long]) {
      const response = await deliver(event({ id }));
      expect({ id, status: response.status, code: response.body.errors?.[0]?.extensions?.code }).toEqual({ id, status: 400, code: 'BAD_USER_INPUT' });
    }
    expect(await privilegedQuery(`select id from stripe_event where id = any($1)`, [['17', '', long]])).toEqual([]);
  });
});
