import { expect } from '@jest/globals';
import { STRIPE_EVENT_JOB, StripeEvents } from '../src/billing/stripe-events.service';
import { JobQueue } from '../src/database/job-queue/job-queue';
import { Clock } from '../src/common/time/clock';
import { privilegedQuery } from './support/database';
import { FakeStripe } from './support/fake-stripe';
import { addMember, createClient, signUpOwner, uniqueEmail, type SignedUpOwner } from './support/fixtures';
import { dataOf, errorCode, startTestServer, type TestServer } from './support/test-server';
import { ifCreated, required } from './support/required';

const WEBHOOK_SECRET = 'whsec_promox_test_secret';
const GRACE_HOURS = 72;
const PLANS = [
  { code: 'starter', name: 'Starter', stripePriceId: 'price_starter_test', seatLimit: 3, features: ['orders'] },
  { code: 'team', name: 'Team', stripePriceId: 'price_team_test', seatLimit: 10, features: ['orders', 'api_keys'] },
];

const SUBSCRIPTION = `{ subscription { plan { code name seatLimit } status seats seatsInUse currentPeriodEnd cancelAtPeriodEnd graceEndsAt readOnly
  card { brand last4 expMonth expYear } } }`;
const PLANS_QUERY = `{ plans { code name seatLimit features } }`;
const INVOICES = `{ invoices(first: 10) { totalCount edges { node { number amountDue amountPaid currency status periodStart periodEnd hostedInvoiceUrl pdfUrl } } } }`;
const START_CHECKOUT = `mutation($input: StartCheckoutInput!) { startCheckout(input: $input) { url } }`;
const PORTAL = `mutation { openBillingPortal { url } }`;
const CHANGE_SEATS = `mutation($seats: Int!) { changeSeats(input: { seats: $seats }) { seats status } }`;
const CANCEL = `mutation { cancelSubscription { cancelAtPeriodEnd status } }`;
const RESUME = `mutation { resumeSubscription { cancelAtPeriodEnd status } }`;
const INVITE = `mutation($email: String!) { inviteMember(input: { email: $email, role: VIEWER }) { invitation { id } } }`;
const CLIENTS = `{ clients { totalCount } }`;

interface Subscription {
  plan: { code: string; name: string; seatLimit: number } | null;
  status: string | null;
  seats: number | null;
  seatsInUse: number | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean | null;
  graceEndsAt: string | null;
  readOnly: boolean;
  card: { brand: string; last4: string; expMonth: number; expYear: number } | null;
}

type Json = Record<string, unknown>;

describe('billing with Stripe', () => {
  let server: TestServer;
  let stripe: FakeStripe;
  let events: StripeEvents;

  const gql = <T = Json>(token: string, query: string, variables?: Json) => server.gql<T>({ query, variables, token });
  const subscription = async (token: string) => dataOf(await gql<{ subscription: Subscription }>(token, SUBSCRIPTION)).subscription;
  const invite = (token: string, email = uniqueEmail('seat')) => gql(token, INVITE, { email });
  const webhook = (payload: string, headers: Record<string, string>) =>
    fetch(`${server.url}/billing/stripe/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  /** Delivers an event as Stripe does: JSON body, signed with the endpoint's secret. */
  const deliver = async (event: Json) => {
    const { payload, signature } = stripe.sign(event);
    const response = await webhook(payload, { 'stripe-signature': signature });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const storedEvent = async (id: string) =>
    (
      await privilegedQuery<{ attempts: number; processed_at: Date | null; last_error: string | null; outcome: string | null }>(
        `select j.attempts, e.processed_at, j.last_error, e.outcome
         from stripe_event e join job j on j.kind = 'stripe-event' and j.key = e.id where e.id = $1`,
        [id],
      )
    )[0];
  const customerOf = async (tenantId: string) =>
    (await privilegedQuery<{ stripe_customer_id: string }>(`select stripe_customer_id from billing_account where tenant_id = $1`, [tenantId]))[0]
      ?.stripe_customer_id;
  const clientCount = async (token: string) => dataOf(await gql<{ clients: { totalCount: number } }>(token, CLIENTS)).clients.totalCount;
  const later = (hours: number) => jest.spyOn(Clock.prototype, 'now').mockReturnValue(new Date(Date.now() + hours * 3_600_000));

  /** Checkout through the API, then Stripe's side of a paid checkout and its webhook: an active subscription. */
  const subscribe = async (owner: SignedUpOwner, plan = 'team', seats = 3) => {
    const url = dataOf(await gql<{ startCheckout: { url: string } }>(owner.accessToken, START_CHECKOUT, { input: { plan, seats } })).startCheckout.url;
    const sessionId = required(url.split('/').pop(), 'the session id');
    const sub = stripe.completeCheckout(sessionId);
    expect((await deliver(stripe.event('checkout.session.completed', stripe.get(sessionId)))).status).toBe(200);
    return { sessionId, subscriptionId: sub.id as string, customerId: sub.customer as string };
  };

  beforeAll(async () => {
    stripe = await new FakeStripe(WEBHOOK_SECRET).start();
    server = await startTestServer({
      STRIPE_SECRET_KEY: 'sk_test_promox_fake_key',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE_URL: stripe.url,
      BILLING_PLANS: JSON.stringify(PLANS),
      BILLING_TRIAL_SEAT_LIMIT: '2',
      BILLING_GRACE_PERIOD_HOURS: String(GRACE_HOURS),
      BILLING_EVENT_RETRY_INTERVAL_SECONDS: '0',
      BILLING_RETURN_URL: 'https://app.promox.test/settings/billing',
    });
    events = server.app.get(StripeEvents);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(stripe)?.stop();
  });

  it('lists the configured plans to any member', async () => {
    const owner = await signUpOwner(server);
    const viewer = await addMember(server, owner, 'VIEWER');
    expect(dataOf(await gql<{ plans: Json[] }>(viewer.accessToken, PLANS_QUERY)).plans).toEqual(
      PLANS.map(({ code, name, seatLimit, features }) => ({ code, name, seatLimit, features })),
    );
  });

  it('goes from trial through checkout, seat change, payment failure, read-only and payment back to active', async () => {
    const owner = await signUpOwner(server);
    // The trial: no plan, the trial's own seat limit.
    expect(await subscription(owner.accessToken)).toMatchObject({ plan: null, status: 'TRIALING', seats: 2, seatsInUse: 1, readOnly: false });

    const checkout = dataOf(await gql<{ startCheckout: { url: string } }>(owner.accessToken, START_CHECKOUT, { input: { plan: 'team', seats: 3 } }));
    expect(checkout.startCheckout.url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_/);
    // One Stripe customer for the tenant, created with the SDK and the configured secret key.
    const [createCustomer] = stripe.requests.filter((r) => r.path === '/v1/customers' && r.params['metadata[tenant_id]'] === owner.tenantId);
    expect(createCustomer).toMatchObject({ method: 'POST', params: { name: owner.companyName }, authorization: 'Bearer sk_test_promox_fake_key' });
    expect(createCustomer.idempotencyKey).toContain(owner.tenantId);
    const customerId = await customerOf(owner.tenantId);
    expect(customerId).toMatch(/^cus_/);
    const session = required(
      stripe.requestsTo('POST', '/v1/checkout/sessions').find((r) => r.params.customer === customerId),
      'the checkout session',
    );
    expect(session.params).toMatchObject({
      mode: 'subscription',
      client_reference_id: owner.tenantId,
      'line_items[0][price]': 'price_team_test',
      'line_items[0][quantity]': '3',
      success_url: 'https://app.promox.test/settings/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}',
    });

    // Stripe completes the checkout and says so.
    const sessionId = required(checkout.startCheckout.url.split('/').pop(), 'the session id');
    const sub = stripe.completeCheckout(sessionId);
    const completed = await deliver(stripe.event('checkout.session.completed', stripe.get(sessionId)));
    expect(completed).toEqual({ status: 200, body: { received: true, duplicate: false } });
    const active = await subscription(owner.accessToken);
    expect(active).toMatchObject({
      plan: { code: 'team', name: 'Team', seatLimit: 10 },
      status: 'ACTIVE',
      seats: 3,
      cancelAtPeriodEnd: false,
      readOnly: false,
    });
    expect(new Date(required(active.currentPeriodEnd, 'the period end')).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    // A second checkout would bill twice.
    expect(errorCode(await gql(owner.accessToken, START_CHECKOUT, { input: { plan: 'team', seats: 3 } }))).toBe('INVALID_TRANSITION');

    // Seats: the owner and two invitations fill three; the fourth is refused, then allowed after adding a seat.
    expect(dataOf(await invite(owner.accessToken))).toBeTruthy();
    expect(dataOf(await invite(owner.accessToken))).toBeTruthy();
    const refused = await invite(owner.accessToken);
    expect(errorCode(refused)).toBe('SEAT_LIMIT_REACHED');
    expect(refused.body.errors?.[0].extensions).toMatchObject({ seatLimit: 3 });
    expect(dataOf(await gql<{ changeSeats: Json }>(owner.accessToken, CHANGE_SEATS, { seats: 4 })).changeSeats).toEqual({ seats: 4, status: 'ACTIVE' });
    const update = required(stripe.requestsTo('POST', `/v1/subscriptions/${sub.id as string}`).at(-1), 'the subscription update');
    expect(update.params).toMatchObject({ 'items[0][quantity]': '4', proration_behavior: 'create_prorations' });
    expect(update.params['items[0][id]']).toMatch(/^si_/);
    expect(dataOf(await invite(owner.accessToken))).toBeTruthy();
    expect(await subscription(owner.accessToken)).toMatchObject({ seats: 4, seatsInUse: 4 });

    // The renewal's payment fails: past_due, still working during the grace period.
    stripe.updateSubscription(sub.id as string, { status: 'past_due' });
    const invoice = stripe.createInvoice(sub.id as string, { status: 'open', amount: 11_600 });
    expect((await deliver(stripe.event('invoice.payment_failed', invoice))).status).toBe(200);
    const pastDue = await subscription(owner.accessToken);
    expect(pastDue).toMatchObject({ status: 'PAST_DUE', readOnly: false });
    const graceEnds = new Date(required(pastDue.graceEndsAt, 'the grace end')).getTime();
    expect(graceEnds).toBeGreaterThan(Date.now() + (GRACE_HOURS - 1) * 3_600_000);
    expect((await createClient(server, owner, { name: 'Still working Ltd' })).id).toBeTruthy();

    // Past the grace period: read-only. Changes are refused and change nothing; reads and paying still work.
    later(GRACE_HOURS + 1);
    const before = await clientCount(owner.accessToken);
    const refusedWrite = await gql(owner.accessToken, `mutation { createClient(input: { name: "Refused Ltd" }) { id } }`);
    expect(errorCode(refusedWrite)).toBe('SUBSCRIPTION_INACTIVE');
    expect(await clientCount(owner.accessToken)).toBe(before);
    expect(errorCode(await invite(owner.accessToken))).toBe('SUBSCRIPTION_INACTIVE');
    expect(await subscription(owner.accessToken)).toMatchObject({ status: 'PAST_DUE', readOnly: true });
    const portal = dataOf(await gql<{ openBillingPortal: { url: string } }>(owner.accessToken, PORTAL)).openBillingPortal;
    expect(portal.url).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\/bps_/);
    expect(stripe.requestsTo('POST', '/v1/billing_portal/sessions').at(-1)?.params).toEqual({
      customer: customerId,
      return_url: 'https://app.promox.test/settings/billing',
    });

    // Paid (in the portal): active again, and changes work again.
    stripe.payInvoice(invoice.id as string);
    stripe.updateSubscription(sub.id as string, { status: 'active' });
    expect((await deliver(stripe.event('invoice.paid', stripe.get(invoice.id as string)))).status).toBe(200);
    expect(await subscription(owner.accessToken)).toMatchObject({ status: 'ACTIVE', readOnly: false, graceEndsAt: null });
    expect(dataOf(await gql(owner.accessToken, `mutation { createClient(input: { name: "Paid Up Ltd" }) { id } }`))).toBeTruthy();

    const invoices = dataOf(await gql<{ invoices: { totalCount: number; edges: { node: Json }[] } }>(owner.accessToken, INVOICES)).invoices;
    expect(invoices.totalCount).toBe(1);
    expect(invoices.edges[0].node).toMatchObject({
      number: invoice.number,
      amountDue: 11_600,
      amountPaid: 11_600,
      currency: 'USD',
      status: 'PAID',
      hostedInvoiceUrl: `https://invoice.stripe.test/i/${invoice.id as string}`,
      pdfUrl: `https://invoice.stripe.test/i/${invoice.id as string}/pdf`,
    });
    // What Stripe changed is in the tenant's audit trail too, by the system actor, in the order it was applied.
    const trail = await privilegedQuery<{ action: string; actor_type: string; actor_name: string }>(
      `select action, actor_type, actor_name from audit_entry where tenant_id = $1 and action like 'billing.%' order by chain_seq`,
      [owner.tenantId],
    );
    expect(trail.map((e) => e.action)).toEqual(
      expect.arrayContaining(['billing.checkout.session.completed', 'billing.invoice.payment_failed', 'billing.invoice.paid']),
    );
    expect(new Set(trail.map((e) => `${e.actor_type}:${e.actor_name}`))).toEqual(new Set(['SYSTEM:stripe-webhooks']));
  });

  it('becomes read-only only after the grace period, and still lets members withdraw consent and log out', async () => {
    const owner = await signUpOwner(server);
    const { subscriptionId } = await subscribe(owner);
    stripe.updateSubscription(subscriptionId, { status: 'unpaid' });
    expect((await deliver(stripe.event('customer.subscription.updated', stripe.get(subscriptionId)))).status).toBe(200);
    later(GRACE_HOURS - 1);
    expect((await createClient(server, owner)).id).toBeTruthy();
    jest.restoreAllMocks();
    later(GRACE_HOURS + 1);
    expect(errorCode(await gql(owner.accessToken, `mutation { createClient(input: { name: "Late Ltd" }) { id } }`))).toBe('SUBSCRIPTION_INACTIVE');
    const withdraw = `mutation { recordMyConsent(input: { choices: [{ purpose: ANALYTICS, status: WITHDRAWN }] }) { __typename } }`;
    expect(dataOf(await gql(owner.accessToken, withdraw))).toBeTruthy();
    expect(dataOf(await gql<{ logOut: boolean }>(owner.accessToken, `mutation { logOut }`)).logOut).toBe(true);
  });

  it('cancels at period end and resumes; a tenant that still renews can not be closed until it cancels', async () => {
    const owner = await signUpOwner(server);
    const { subscriptionId } = await subscribe(owner);
    const CLOSE = `mutation($input: CloseTenantInput!) { closeTenant(input: $input) { status } }`;
    const refused = await gql(owner.accessToken, CLOSE, { input: { confirmName: owner.companyName } });
    expect(errorCode(refused)).toBe('SUBSCRIPTION_ACTIVE');
    expect((await privilegedQuery<{ status: string }>(`select status from tenant where id = $1`, [owner.tenantId]))[0].status).toBe('ACTIVE');
    expect(dataOf(await gql<{ cancelSubscription: Json }>(owner.accessToken, CANCEL)).cancelSubscription).toEqual({
      cancelAtPeriodEnd: true,
      status: 'ACTIVE',
    });
    expect(stripe.requestsTo('POST', `/v1/subscriptions/${subscriptionId}`).at(-1)?.params).toEqual({ cancel_at_period_end: 'true' });
    expect(dataOf(await gql<{ resumeSubscription: Json }>(owner.accessToken, RESUME)).resumeSubscription).toEqual({
      cancelAtPeriodEnd: false,
      status: 'ACTIVE',
    });
    expect(stripe.requestsTo('POST', `/v1/subscriptions/${subscriptionId}`).at(-1)?.params).toEqual({ cancel_at_period_end: 'false' });
    expect(errorCode(await gql(owner.accessToken, RESUME))).toBe('INVALID_TRANSITION');
    dataOf(await gql(owner.accessToken, CANCEL));
    expect(
      dataOf(await gql<{ closeTenant: { status: string } }>(owner.accessToken, CLOSE, { input: { confirmName: owner.companyName } })).closeTenant.status,
    ).toBe('CLOSED');
  });

  it('refuses seat counts below the seats in use or above the plan, and changes nothing', async () => {
    const owner = await signUpOwner(server);
    const { subscriptionId } = await subscribe(owner, 'starter', 2);
    await invite(owner.accessToken);
    const calls = stripe.requestsTo('POST', `/v1/subscriptions/${subscriptionId}`).length;
    expect(errorCode(await gql(owner.accessToken, CHANGE_SEATS, { seats: 1 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(owner.accessToken, CHANGE_SEATS, { seats: 4 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(owner.accessToken, START_CHECKOUT, { input: { plan: 'gold', seats: 1 } }))).toBe('BAD_USER_INPUT');
    expect(stripe.requestsTo('POST', `/v1/subscriptions/${subscriptionId}`)).toHaveLength(calls);
    expect(await subscription(owner.accessToken)).toMatchObject({ seats: 2, seatsInUse: 2 });
  });

  it('limits a trial to its own seats, counting pending invitations; re-inviting an address takes no extra seat', async () => {
    const owner = await signUpOwner(server);
    const email = uniqueEmail('again');
    expect(dataOf(await invite(owner.accessToken, email))).toBeTruthy();
    expect(errorCode(await invite(owner.accessToken))).toBe('SEAT_LIMIT_REACHED');
    expect(dataOf(await invite(owner.accessToken, email))).toBeTruthy();
    const pending = await privilegedQuery<{ n: string }>(`select count(*) as n from invitation where tenant_id = $1 and revoked_at is null`, [owner.tenantId]);
    expect(Number(pending[0].n)).toBe(1);
  });

  it('stores an event once: a replay is acknowledged and not applied again', async () => {
    const owner = await signUpOwner(server);
    const { subscriptionId } = await subscribe(owner);
    const event = stripe.event('customer.subscription.updated', stripe.get(subscriptionId));
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    const reads = stripe.requestsTo('GET', `/v1/subscriptions/${subscriptionId}`).length;
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(stripe.requestsTo('GET', `/v1/subscriptions/${subscriptionId}`)).toHaveLength(reads);
    expect(await storedEvent(event.id as string)).toMatchObject({ attempts: 1, outcome: 'applied', last_error: null });
    expect((await storedEvent(event.id as string)).processed_at).not.toBeNull();
  });

  it('applies events in any order: a late update does not overwrite a newer state', async () => {
    const owner = await signUpOwner(server);
    const { subscriptionId } = await subscribe(owner);
    const t = Math.floor(Date.now() / 1000);
    // Stripe sends "4 seats" and then "6 seats"; they arrive the other way round.
    const older = stripe.event('customer.subscription.updated', stripe.updateSubscription(subscriptionId, { quantity: 4 }), t + 10);
    const newer = stripe.event('customer.subscription.updated', stripe.updateSubscription(subscriptionId, { quantity: 6 }), t + 20);
    expect((await deliver(newer)).status).toBe(200);
    expect(await subscription(owner.accessToken)).toMatchObject({ seats: 6 });
    expect((await deliver(older)).status).toBe(200);
    expect(await subscription(owner.accessToken)).toMatchObject({ seats: 6, status: 'ACTIVE' });

    // A deletion that overtakes its subscription's creation leaves the subscription canceled.
    stripe.updateSubscription(subscriptionId, { status: 'canceled' });
    const created = stripe.event('customer.subscription.created', { ...stripe.get(subscriptionId), status: 'active' }, t - 100);
    expect((await deliver(stripe.event('customer.subscription.deleted', stripe.get(subscriptionId), t + 30))).status).toBe(200);
    expect((await deliver(created)).status).toBe(200);
    expect(await subscription(owner.accessToken)).toMatchObject({ status: 'CANCELED', seats: 2 });
  });

  it('refuses a bad or missing signature with 400 and stores nothing', async () => {
    const owner = await signUpOwner(server);
    await subscribe(owner);
    const customerId = await customerOf(owner.tenantId);
    const event = stripe.event('customer.updated', stripe.get(customerId));
    const wrongSecret = stripe.sign(event, 'whsec_someone_else');
    const good = stripe.sign(event);
    const cases = [
      await webhook(wrongSecret.payload, { 'stripe-signature': wrongSecret.signature }),
      await webhook(good.payload, {}),
      await webhook(good.payload.replace('"livemode":false', '"livemode":true'), { 'stripe-signature': good.signature }),
      await webhook(good.payload, { 'stripe-signature': 't=1,v1=deadbeef' }),
    ];
    for (const response of cases) {
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'INVALID_SIGNATURE' } }] });
    }
    expect(await storedEvent(event.id as string)).toBeUndefined();
  });

  it('keeps an event whose processing failed and applies it from the retry job', async () => {
    const owner = await signUpOwner(server);
    const { subscriptionId } = await subscribe(owner);
    stripe.updateSubscription(subscriptionId, { quantity: 5 });
    stripe.failNext('GET', new RegExp(`^/v1/subscriptions/${subscriptionId}$`), 1, 500);
    const event = stripe.event('customer.subscription.updated', stripe.get(subscriptionId));
    // Stored and acknowledged, so Stripe does not need to resend it; not applied yet.
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    const failed = await storedEvent(event.id as string);
    expect(failed).toMatchObject({ attempts: 1, processed_at: null });
    expect(failed.last_error).toContain('Fake Stripe is down');
    expect(await subscription(owner.accessToken)).toMatchObject({ seats: 3 });

    // Not due before its backoff; due after it.
    await events.runDue();
    expect(await storedEvent(event.id as string)).toMatchObject({ attempts: 1, processed_at: null });
    later(1);
    expect(await events.runDue()).toBeGreaterThanOrEqual(1);
    expect(await storedEvent(event.id as string)).toMatchObject({ attempts: 2, last_error: null, outcome: 'applied' });
    expect(await subscription(owner.accessToken)).toMatchObject({ seats: 5 });
  });

  it('takes over an event whose worker died in the middle of an attempt, once its lease runs out', async () => {
    const owner = await signUpOwner(server);
    const { subscriptionId } = await subscribe(owner);
    stripe.updateSubscription(subscriptionId, { quantity: 6 });
    stripe.failNext('GET', new RegExp(`^/v1/subscriptions/${subscriptionId}$`), 1, 500);
    const event = stripe.event('customer.subscription.updated', stripe.get(subscriptionId));
    expect((await deliver(event)).status).toBe(200);
    // At its retry a worker claims it, and dies: the event stays leased to it, so no other worker applies it meanwhile.
    later(1);
    expect(await server.app.get(JobQueue).claim(STRIPE_EVENT_JOB, event.id as string)).toMatchObject({ key: event.id, attempt: 2 });
    await events.runDue();
    expect(await storedEvent(event.id as string)).toMatchObject({ attempts: 2, processed_at: null });
    later(2);
    await events.runDue();
    expect(await storedEvent(event.id as string)).toMatchObject({ attempts: 3, last_error: null, outcome: 'applied' });
    expect(await subscription(owner.accessToken)).toMatchObject({ seats: 6 });
  });

  it('keeps only the card brand, last 4 digits and expiry, never a number', async () => {
    const owner = await signUpOwner(server);
    await subscribe(owner);
    const customerId = await customerOf(owner.tenantId);
    // Fields Stripe never sends (a number, a CVC) must not be copied even if they were.
    const method = stripe.attachCard(customerId, { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2031 }, { number: '4000056655665556', cvc: '123' });
    expect((await deliver(stripe.event('payment_method.attached', method))).status).toBe(200);
    expect((await subscription(owner.accessToken)).card).toEqual({ brand: 'visa', last4: '4242', expMonth: 12, expYear: 2031 });
    const other = stripe.attachCard(customerId, { brand: 'mastercard', last4: '4444', exp_month: 1, exp_year: 2030 });
    expect((await deliver(stripe.event('customer.updated', stripe.get(customerId)))).status).toBe(200);
    expect((await subscription(owner.accessToken)).card).toEqual({ brand: 'mastercard', last4: '4444', expMonth: 1, expYear: 2030 });
    expect(other.id).toMatch(/^pm_/);
    const stored = await privilegedQuery<{ row: string }>(
      `select row_to_json(a)::text as row from billing_account a where tenant_id = $1
       union all select row_to_json(e)::text from stripe_event e where stripe_customer_id = $2`,
      [owner.tenantId, customerId],
    );
    expect(stored.length).toBeGreaterThan(1);
    for (const { row } of stored) {
      expect(row).not.toContain('4000056655665556');
      expect(row).not.toContain('"cvc"');
    }
  });

  it('shows billing fields only to members with BILLING_READ, and billing changes only with BILLING_MANAGE', async () => {
    const owner = await signUpOwner(server);
    await subscribe(owner, 'team', 4);
    const viewer = await addMember(server, owner, 'VIEWER');
    const admin = await addMember(server, owner, 'ADMIN');
    const seen = await gql<{ subscription: Subscription }>(viewer.accessToken, `{ subscription { status seats plan { code } card { last4 } readOnly } }`);
    expect(seen.body.data?.subscription).toEqual({ status: null, seats: null, plan: null, card: null, readOnly: false });
    expect(seen.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort()).toEqual([
      ['subscription.card', 'FORBIDDEN_FIELD'],
      ['subscription.plan', 'FORBIDDEN_FIELD'],
      ['subscription.seats', 'FORBIDDEN_FIELD'],
      ['subscription.status', 'FORBIDDEN_FIELD'],
    ]);
    expect(errorCode(await gql(viewer.accessToken, INVOICES))).toBe('FORBIDDEN');
    // Admins read billing but do not manage it.
    expect(await subscription(admin.accessToken)).toMatchObject({ status: 'ACTIVE', seats: 4 });
    for (const [query, variables] of [[PORTAL], [CHANGE_SEATS, { seats: 5 }], [CANCEL]] as const) {
      expect(errorCode(await gql(admin.accessToken, query, variables))).toBe('FORBIDDEN');
    }
  });

  it('keeps billing rows to their tenant', async () => {
    const [a, b] = [await signUpOwner(server), await signUpOwner(server)];
    await subscribe(a, 'team', 5);
    expect(await subscription(b.accessToken)).toMatchObject({ status: 'TRIALING', plan: null, seats: 2 });
    expect(dataOf(await gql<{ invoices: { totalCount: number } }>(b.accessToken, INVOICES)).invoices.totalCount).toBe(0);
  });
});
