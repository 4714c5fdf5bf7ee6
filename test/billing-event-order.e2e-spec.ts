import { Clock } from '../src/common/time/clock';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { FakeStripe } from './support/fake-stripe';
import { signUpOwner, type SignedUpOwner } from './support/fixtures';
import { dataOf, startTestServer, type TestServer } from './support/test-server';
import { ifCreated, required } from './support/required';

const WEBHOOK_SECRET = 'whsec_promox_order_secret';
const PLANS = [
  { code: 'starter', name: 'Starter', stripePriceId: 'price_starter_test', seatLimit: 3, features: ['orders'] },
  { code: 'team', name: 'Team', stripePriceId: 'price_team_test', seatLimit: 10, features: ['orders', 'api_keys'] },
];
const SUBSCRIPTION = `{ subscription { plan { code } status seats currentPeriodEnd cancelAtPeriodEnd graceEndsAt readOnly
  card { brand last4 expMonth expYear } } }`;
const INVOICES = `{ invoices(first: 20) { totalCount edges { node { number amountDue amountPaid currency status periodStart periodEnd hostedInvoiceUrl pdfUrl } } } }`;
const START_CHECKOUT = `mutation($input: StartCheckoutInput!) { startCheckout(input: $input) { url } }`;
/** Every event type the service applies; the histories below send each of them at least once. */
const HANDLED = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'invoice.finalized',
  'invoice.payment_failed',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.updated',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'customer.updated',
  'payment_method.attached',
];
/** Stripe's clock when a history starts: the same for every replay, so periods and dates compare equal. */
const HISTORY_START = 1_900_000_000;
const DAY = 86_400;
const SEEDS = [1, 7, 2026, 424242];

type Json = Record<string, unknown>;

/** What one history did on Stripe's side: its webhook events in the order Stripe sent them, and names for its ids. */
interface History {
  events: Json[];
  /** Stripe ids (and invoice numbers) by the role they play, so that two replays of a history compare equal. */
  roles: Record<string, string>;
}

type Script = (stripe: FakeStripe, customerId: string, firstSessionId: string) => History;

/** A seeded PRNG (mulberry32): each seed gives the same shuffle on every run, so a failure can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * A subscription's whole life: checkout, a failed then paid invoice, cards (the last one attached is not the default),
 * seats, a pause, a voided and an uncollectible invoice, cancellation, then a second checkout on another plan that
 * is paid and set to cancel at period end. Stripe's end state: subscription B active on Starter with 2 seats,
 * mastercard 4444 the customer's default.
 */
const lifecycle: Script = (stripe, customerId, sessionA) => {
  const events: Json[] = [];
  const roles: Record<string, string> = {};
  const send = (type: string, object: Json) => {
    events.push(stripe.event(type, object));
    stripe.time = required(stripe.time, 'the Stripe clock') + 60;
  };
  const invoice = (role: string, subscriptionId: string, change: { status: string; amount: number }) => {
    const created = stripe.createInvoice(subscriptionId, change);
    roles[created.id as string] = role;
    roles[created.number as string] = `number of ${role}`;
    return created.id as string;
  };
  const subA = stripe.completeCheckout(sessionA);
  const a = subA.id as string;
  Object.assign(roles, { [a]: 'subscription A', [(subA.items as { data: Json[] }).data[0].id as string]: 'item of A' });
  send('checkout.session.completed', stripe.get(sessionA));
  send('customer.subscription.created', stripe.get(a));
  const first = invoice('invoice 1', a, { status: 'open', amount: 11_600 });
  send('invoice.finalized', stripe.get(first));
  stripe.updateSubscription(a, { status: 'past_due' });
  send('invoice.payment_failed', stripe.get(first));
  send('customer.subscription.updated', stripe.get(a));
  const visa = stripe.attachCard(customerId, { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2031 });
  send('payment_method.attached', visa);
  send('customer.updated', stripe.get(customerId));
  stripe.payInvoice(first);
  stripe.updateSubscription(a, { status: 'active' });
  send('invoice.paid', stripe.get(first));
  send('invoice.payment_succeeded', stripe.get(first));
  send('customer.subscription.updated', stripe.get(a));
  const mastercard = stripe.attachCard(customerId, { brand: 'mastercard', last4: '4444', exp_month: 1, exp_year: 2030 });
  send('payment_method.attached', mastercard);
  send('customer.updated', stripe.get(customerId));
  // Attached, but not made the default: Stripe keeps charging the mastercard.
  send('payment_method.attached', stripe.attachCard(customerId, { brand: 'amex', last4: '0005', exp_month: 6, exp_year: 2032 }, {}, { makeDefault: false }));
  stripe.updateSubscription(a, { quantity: 5 });
  send('customer.subscription.updated', stripe.get(a));
  stripe.updateSubscription(a, { status: 'paused' });
  send('customer.subscription.paused', stripe.get(a));
  stripe.updateSubscription(a, { status: 'active' });
  send('customer.subscription.resumed', stripe.get(a));
  const second = invoice('invoice 2', a, { status: 'draft', amount: 500 });
  send('invoice.updated', stripe.get(second));
  send('invoice.voided', stripe.updateInvoice(second, { status: 'void' }));
  const third = invoice('invoice 3', a, { status: 'open', amount: 700 });
  send('invoice.marked_uncollectible', stripe.updateInvoice(third, { status: 'uncollectible' }));
  stripe.time = required(stripe.time, 'the Stripe clock') + DAY;
  send('customer.subscription.deleted', stripe.updateSubscription(a, { status: 'canceled' }));
  stripe.time = required(stripe.time, 'the Stripe clock') + DAY;
  const sessionB = stripe.createCheckoutSession(customerId, 'price_starter_test', 2).id as string;
  const subB = stripe.completeCheckout(sessionB);
  const b = subB.id as string;
  Object.assign(roles, { [b]: 'subscription B', [(subB.items as { data: Json[] }).data[0].id as string]: 'item of B' });
  send('checkout.session.completed', stripe.get(sessionB));
  send('customer.subscription.created', stripe.get(b));
  const fourth = invoice('invoice 4', b, { status: 'paid', amount: 2_400 });
  send('invoice.paid', stripe.get(fourth));
  send('customer.subscription.updated', stripe.updateSubscription(b, { cancelAtPeriodEnd: true }));
  return { events, roles };
};

/** Two subscriptions, one after the other, both canceled: the newer one is the tenant's last word. */
const bothEnded: Script = (stripe, customerId, sessionA) => {
  const events: Json[] = [];
  const roles: Record<string, string> = {};
  const subscribe = (role: string, sessionId: string) => {
    const sub = stripe.completeCheckout(sessionId);
    Object.assign(roles, { [sub.id as string]: role, [(sub.items as { data: Json[] }).data[0].id as string]: `item of ${role}` });
    events.push(stripe.event('checkout.session.completed', stripe.get(sessionId)), stripe.event('customer.subscription.created', sub));
    stripe.time = required(stripe.time, 'the Stripe clock') + DAY;
    events.push(stripe.event('customer.subscription.deleted', stripe.updateSubscription(sub.id as string, { status: 'canceled' })));
    stripe.time = required(stripe.time, 'the Stripe clock') + DAY;
  };
  subscribe('subscription A', sessionA);
  subscribe('subscription B', stripe.createCheckoutSession(customerId, 'price_starter_test', 1).id as string);
  return { events, roles };
};

/**
 * A card as Stripe Checkout leaves it: attached to the customer and made the subscription's default, while the
 * customer's own default stays empty. Stripe charges it, so it is the card shown.
 */
const checkoutCard: Script = (stripe, customerId, sessionA) => {
  const subscription = stripe.completeCheckout(sessionA);
  const id = subscription.id as string;
  const roles = { [id]: 'subscription A', [(subscription.items as { data: Json[] }).data[0].id as string]: 'item of A' };
  const card = stripe.attachCard(customerId, { brand: 'visa', last4: '1881', exp_month: 3, exp_year: 2033 }, {}, { makeDefault: false });
  stripe.updateSubscription(id, { defaultPaymentMethod: card.id as string });
  const events = [
    stripe.event('checkout.session.completed', stripe.get(sessionA)),
    stripe.event('payment_method.attached', card),
    stripe.event('customer.subscription.created', stripe.get(id)),
  ];
  return { events, roles };
};

describe('Stripe events in any order', () => {
  // A database of its own: another suite's server would otherwise take these events for its retries, from its own fake.
  let db: IsolatedDatabase;
  let server: TestServer;
  let stripe: FakeStripe;

  const gql = <T = Json>(owner: SignedUpOwner, query: string, variables?: Json) => server.gql<T>({ query, variables, token: owner.accessToken });
  const deliver = async (event: Json) => {
    expect((await stripe.deliver(server.url, event)).status).toBe(200);
  };

  /**
   * Plays `script` on Stripe's side for a new tenant (its first checkout started through the API), then delivers every
   * event, each with its own id, in the order `arrange` gives; returns what the tenant then shows and stores, with
   * Stripe's ids replaced by their roles.
   */
  async function replay(script: Script, arrange: (events: Json[]) => Json[]): Promise<Json> {
    const owner = await signUpOwner(server);
    stripe.time = HISTORY_START;
    const url = dataOf(await gql<{ startCheckout: { url: string } }>(owner, START_CHECKOUT, { input: { plan: 'team', seats: 3 } })).startCheckout.url;
    const [{ stripe_customer_id: customerId }] = await db.query<{ stripe_customer_id: string }>(
      `select stripe_customer_id from billing_account where tenant_id = $1`,
      [owner.tenantId],
    );
    const { events, roles } = script(stripe, customerId, required(url.split('/').pop(), 'the session id'));
    stripe.time = undefined;
    for (const event of arrange(events)) await deliver(event);
    const outcomes = await db.query<{ type: string; outcome: string | null; last_error: string | null }>(
      `select e.type, e.outcome, j.last_error from stripe_event e join job j on j.kind = 'stripe-event' and j.key = e.id where e.stripe_customer_id = $1`,
      [customerId],
    );
    // Every event was applied (none left failing for a retry that would hide an order problem).
    expect(outcomes.filter((o) => o.outcome === null || o.last_error !== null)).toEqual([]);
    const subscription = dataOf(await gql<{ subscription: Json }>(owner, SUBSCRIPTION)).subscription;
    const invoices = dataOf(await gql<{ invoices: { edges: { node: Json }[] } }>(owner, INVOICES)).invoices.edges.map((e) => e.node);
    const [account] = await db.query<Json>(
      `select stripe_subscription_id, stripe_subscription_item_id, plan_code, status, seats, current_period_end, cancel_at_period_end,
              lapsed_at, card_brand, card_last4, card_exp_month, card_exp_year
         from billing_account where tenant_id = $1`,
      [owner.tenantId],
    );
    const state = JSON.stringify({ subscription, invoices: invoices.sort((x, y) => String(x.number).localeCompare(String(y.number))), account });
    const named = Object.entries(roles).reduce((text, [id, role]) => text.split(id).join(role), state);
    return { ...(JSON.parse(named) as Json), types: [...new Set(events.map((e) => e.type as string))].sort() };
  }

  beforeAll(async () => {
    db = await isolatedDatabase();
    stripe = await new FakeStripe(WEBHOOK_SECRET).start();
    server = await startTestServer({
      DATABASE_URL: db.url,
      STRIPE_SECRET_KEY: 'sk_test_promox_fake_key',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE_URL: stripe.url,
      BILLING_PLANS: JSON.stringify(PLANS),
      BILLING_TRIAL_SEAT_LIMIT: '2',
      BILLING_EVENT_RETRY_INTERVAL_SECONDS: '0',
      BILLING_RETURN_URL: 'https://app.promox.test/settings/billing',
    });
  });
  // One instant for each test: when a lapse began is then the same whatever order it was applied in.
  beforeEach(() => jest.spyOn(Clock.prototype, 'now').mockReturnValue(new Date()));
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(stripe)?.stop();
  });

  it("ends a whole subscription lifecycle in Stripe's end state, in order, reversed and shuffled", async () => {
    const inOrder = await replay(lifecycle, (events) => events);
    // Every event type the service handles is in the history.
    expect(inOrder.types).toEqual([...HANDLED].sort());
    // Stripe's end state, not the last card attached or the last event applied.
    expect(inOrder).toMatchObject({
      subscription: {
        plan: { code: 'starter' },
        status: 'ACTIVE',
        seats: 2,
        cancelAtPeriodEnd: true,
        graceEndsAt: null,
        readOnly: false,
        card: { brand: 'mastercard', last4: '4444', expMonth: 1, expYear: 2030 },
      },
      account: { stripe_subscription_id: 'subscription B', stripe_subscription_item_id: 'item of B', lapsed_at: null },
    });
    expect((inOrder.invoices as Json[]).map((i) => [i.number, i.status])).toEqual([
      ['number of invoice 1', 'PAID'],
      ['number of invoice 2', 'VOID'],
      ['number of invoice 3', 'UNCOLLECTIBLE'],
      ['number of invoice 4', 'PAID'],
    ]);
    expect(await replay(lifecycle, (events) => [...events].reverse())).toEqual(inOrder);
    for (const seed of SEEDS) expect([seed, await replay(lifecycle, (events) => shuffled(events, seed))]).toEqual([seed, inOrder]);
  });

  it("shows the subscription's default card when the customer has none, in every order", async () => {
    const inOrder = await replay(checkoutCard, (events) => events);
    expect(inOrder).toMatchObject({ subscription: { status: 'ACTIVE', card: { brand: 'visa', last4: '1881', expMonth: 3, expYear: 2033 } } });
    expect(await replay(checkoutCard, (events) => [...events].reverse())).toEqual(inOrder);
    for (const seed of SEEDS) expect([seed, await replay(checkoutCard, (events) => shuffled(events, seed))]).toEqual([seed, inOrder]);
  });

  it('shows the newer of two ended subscriptions, in order, reversed and shuffled', async () => {
    const inOrder = await replay(bothEnded, (events) => events);
    expect(inOrder).toMatchObject({
      subscription: { plan: { code: 'starter' }, status: 'CANCELED' },
      account: { stripe_subscription_id: 'subscription B', plan_code: 'starter', seats: 1 },
    });
    expect(await replay(bothEnded, (events) => [...events].reverse())).toEqual(inOrder);
    for (const seed of SEEDS) expect([seed, await replay(bothEnded, (events) => shuffled(events, seed))]).toEqual([seed, inOrder]);
  });
});
