import { privilegedQuery } from './support/database';
import { createClient, signUpOwner } from './support/fixtures';
import { dataOf, errorCode, startTestServer, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

// The embedded quick start has no Stripe key: billing says so, and everything else works.
describe('billing without a Stripe key', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '', BILLING_TRIAL_SEAT_LIMIT: '5' });
  });
  afterAll(async () => ifCreated(server)?.close());

  it('answers BILLING_NOT_CONFIGURED for billing operations, changing nothing', async () => {
    const owner = await signUpOwner(server);
    const gql = (query: string, variables?: Record<string, unknown>) => server.gql({ query, variables, token: owner.accessToken });
    for (const [query, variables] of [
      [`mutation($input: StartCheckoutInput!) { startCheckout(input: $input) { url } }`, { input: { plan: 'team', seats: 2 } }],
      [`mutation { openBillingPortal { url } }`],
      [`mutation { changeSeats(input: { seats: 2 }) { seats } }`],
      [`mutation { cancelSubscription { status } }`],
      [`mutation { resumeSubscription { status } }`],
    ] as const) {
      expect([query, errorCode(await gql(query, variables))]).toEqual([query, 'BILLING_NOT_CONFIGURED']);
    }
    expect(await privilegedQuery(`select 1 from billing_account where tenant_id = $1`, [owner.tenantId])).toHaveLength(0);
  });

  it('still shows the trial and the plans, and the rest of the API works', async () => {
    const owner = await signUpOwner(server);
    const data = dataOf(
      await server.gql<{ subscription: Record<string, unknown>; plans: { code: string }[] }>({
        query: `{ subscription { status plan { code } seats readOnly } plans { code } }`,
        token: owner.accessToken,
      }),
    );
    expect(data.subscription).toEqual({ status: 'TRIALING', plan: null, seats: 5, readOnly: false });
    expect(data.plans.map((p) => p.code)).toEqual(['starter', 'team', 'business']);
    expect((await createClient(server, owner)).id).toBeTruthy();
  });

  it('answers the webhook with 503 and stores nothing', async () => {
    const response = await server.post('/billing/stripe/webhook', JSON.stringify({ id: 'evt_unconfigured_1', type: 'invoice.paid' }), {
      'stripe-signature': 't=1,v1=abc',
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'BILLING_NOT_CONFIGURED' } }] });
    expect(await privilegedQuery(`select 1 from stripe_event where id = 'evt_unconfigured_1'`)).toHaveLength(0);
  });
});
