import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/** One request the fake received: form-encoded parameters as Stripe's SDK sends them, keys flattened (`items[0][quantity]`). */
export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  idempotencyKey: string | null;
  authorization: string | null;
}

type Json = Record<string, unknown>;

interface Failure {
  method: string;
  path: RegExp;
  remaining: number;
  status: number;
}

const DAY = 86_400;

/**
 * A local stand-in for the few Stripe endpoints billing uses, for the real Stripe SDK to talk to (STRIPE_API_BASE_URL).
 * It keeps objects in memory, records every request so tests can assert its parameters, lets tests change state as
 * Stripe would (a checkout completes, a payment fails), and builds webhook events signed with the SDK's test helper.
 */
export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  private readonly objects = new Map<string, Json>();
  private readonly failures: Failure[] = [];
  private counter = 0;
  /** Suites share a database across runs: ids must not repeat from one fake to the next. */
  private readonly run = randomBytes(4).toString('hex');
  private server: Server | undefined;
  url = '';
  /**
   * Stripe's clock in epoch seconds, when a test sets it: objects and events are stamped with it instead of the real
   * time, so that the same history played twice gives the same periods and dates.
   */
  time: number | undefined;

  constructor(private readonly webhookSecret: string) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    // The SDK keeps its connections alive: close them too, or close() waits for their idle timeout.
    this.server?.closeAllConnections();
    const server = this.server;
    await new Promise<void>((resolve) => {
      if (server)
        server.close(() => {
          resolve();
        });
      else resolve();
    });
  }

  /** Requests matching `method` and a path prefix, oldest first. */
  requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  /** The next `times` requests matching answer `status` with Stripe's error shape (and no retry hint). */
  failNext(method: string, path: RegExp, times = 1, status = 500): void {
    this.failures.push({ method, path, remaining: times, status });
  }

  get(id: string): Json {
    const object = this.objects.get(id);
    if (!object) throw new Error(`fake Stripe has no ${id}`);
    return object;
  }

  /** Stripe's side of a paid checkout: the subscription exists and the session points at it. */
  completeCheckout(sessionId: string, status = 'active'): Json {
    const session = this.get(sessionId);
    const lineItems = session.line_items as { price: string; quantity: number }[];
    const id = this.id('sub');
    const subscription: Json = {
      id,
      object: 'subscription',
      customer: session.customer,
      status,
      cancel_at_period_end: false,
      default_payment_method: null,
      created: this.now(),
      metadata: session.subscription_metadata ?? {},
      items: {
        object: 'list',
        data: lineItems.map((line) => ({
          id: this.id('si'),
          object: 'subscription_item',
          price: { id: line.price, object: 'price' },
          quantity: line.quantity,
          current_period_start: this.now(),
          current_period_end: this.now() + 30 * DAY,
        })),
      },
    };
    this.objects.set(id, subscription);
    Object.assign(session, { status: 'complete', subscription: id });
    return subscription;
  }

  /** Changes a subscription as Stripe would (status, quantity of the first item, cancellation, its own default card). */
  updateSubscription(id: string, change: { status?: string; quantity?: number; cancelAtPeriodEnd?: boolean; defaultPaymentMethod?: string }): Json {
    const subscription = this.get(id);
    if (change.status) subscription.status = change.status;
    if (change.defaultPaymentMethod) subscription.default_payment_method = change.defaultPaymentMethod;
    if (change.cancelAtPeriodEnd !== undefined) subscription.cancel_at_period_end = change.cancelAtPeriodEnd;
    if (change.quantity !== undefined) (subscription.items as { data: Json[] }).data[0].quantity = change.quantity;
    return subscription;
  }

  createInvoice(subscriptionId: string, change: { status: string; amount: number; currency?: string }): Json {
    const subscription = this.get(subscriptionId);
    const id = this.id('in');
    const invoice: Json = {
      id,
      object: 'invoice',
      customer: subscription.customer,
      number: `PROMOX-${String(this.counter).padStart(4, '0')}`,
      status: change.status,
      amount_due: change.amount,
      amount_paid: change.status === 'paid' ? change.amount : 0,
      currency: change.currency ?? 'usd',
      created: this.now(),
      period_start: this.now(),
      period_end: this.now() + 30 * DAY,
      hosted_invoice_url: `https://invoice.stripe.test/i/${id}`,
      invoice_pdf: `https://invoice.stripe.test/i/${id}/pdf`,
      parent: { type: 'subscription_details', subscription_details: { subscription: subscriptionId } },
    };
    this.objects.set(id, invoice);
    return invoice;
  }

  payInvoice(id: string): Json {
    const invoice = this.get(id);
    Object.assign(invoice, { status: 'paid', amount_paid: invoice.amount_due });
    return invoice;
  }

  /**
   * A card attached to the customer and, unless `makeDefault` is false, made its default. `extra` lets a test slip in
   * fields Stripe never sends (a card number) to prove they are not copied.
   */
  attachCard(
    customerId: string,
    card: { brand: string; last4: string; exp_month: number; exp_year: number },
    extra: Json = {},
    { makeDefault = true }: { makeDefault?: boolean } = {},
  ): Json {
    const id = this.id('pm');
    const method: Json = { id, object: 'payment_method', type: 'card', customer: customerId, card: { ...card, ...extra } };
    this.objects.set(id, method);
    if (makeDefault) this.get(customerId).invoice_settings = { default_payment_method: id };
    return method;
  }

  /** A webhook event about `object`, as Stripe sends it; `created` in epoch seconds. */
  event(type: string, object: Json, created = this.now()): Json {
    return { id: this.id('evt'), object: 'event', api_version: '2026-10-28.endive', type, created, livemode: false, data: { object: structuredClone(object) } };
  }

  /** The body and Stripe-Signature header of a webhook delivery, signed with the SDK's own test helper. */
  sign(event: Json, secret = this.webhookSecret): { payload: string; signature: string } {
    const payload = JSON.stringify(event);
    return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
  }

  /** Delivers a signed webhook to a server's Stripe endpoint, as Stripe would; returns the status and JSON body. */
  async deliver(serverUrl: string, event: Json): Promise<{ status: number; body: Json }> {
    const { payload, signature } = this.sign(event);
    const response = await fetch(`${serverUrl}/billing/stripe/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  /** Seconds since the epoch on Stripe's clock (the test's `time`, or the real time). */
  now(): number {
    return this.time ?? Math.floor(Date.now() / 1000);
  }

  /** A checkout session made on Stripe's side for a customer (as another checkout of the same customer would be). */
  createCheckoutSession(customerId: string, price: string, quantity: number): Json {
    const id = this.id('cs');
    const session: Json = {
      id,
      object: 'checkout.session',
      mode: 'subscription',
      customer: customerId,
      status: 'open',
      subscription: null,
      url: `https://checkout.stripe.test/c/pay/${id}`,
      line_items: [{ price, quantity }],
    };
    this.objects.set(id, session);
    return session;
  }

  /** Moves an invoice to another status (void, uncollectible, …) as Stripe would. */
  updateInvoice(id: string, change: { status: string }): Json {
    return Object.assign(this.get(id), change);
  }

  private id(prefix: string): string {
    this.counter += 1;
    return `${prefix}_test${this.run}${String(this.counter).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = Buffer.concat(chunks).toString('utf8');
    const params = Object.fromEntries(new URLSearchParams(req.method === 'GET' ? url.search : body));
    const method = req.method ?? 'GET';
    this.requests.push({
      method,
      path: url.pathname,
      params,
      idempotencyKey: (req.headers['idempotency-key'] as string | undefined) ?? null,
      authorization: req.headers.authorization ?? null,
    });
    const failure = this.failures.find((f) => f.method === method && f.path.test(url.pathname) && f.remaining > 0);
    if (failure) {
      failure.remaining -= 1;
      this.send(res, failure.status, { error: { type: 'api_error', message: 'Fake Stripe is down.' } });
      return;
    }
    try {
      const result = this.route(method, url.pathname, params, req.headers['idempotency-key'] as string | undefined);
      if (!result) {
        this.send(res, 404, { error: { type: 'invalid_request_error', message: `No such route: ${method} ${url.pathname}` } });
        return;
      }
      this.send(res, 200, result);
      return;
    } catch (error) {
      this.send(res, 404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: (error as Error).message } });
      return;
    }
  }

  private readonly idempotent = new Map<string, Json>();

  private route(method: string, path: string, params: Partial<Record<string, string>>, idempotencyKey: string | undefined): Json | null {
    const [, version, resource, id, sub] = path.split('/');
    if (version !== 'v1') return null;
    const key = `${path}|${idempotencyKey}`;
    const repeated = method === 'POST' && idempotencyKey ? this.idempotent.get(key) : undefined;
    if (repeated) return repeated;
    const remember = (object: Json) => {
      if (method === 'POST' && idempotencyKey) this.idempotent.set(key, object);
      return object;
    };
    if (resource === 'customers' && method === 'POST' && !id) {
      const customerId = this.id('cus');
      const customer: Json = {
        id: customerId,
        object: 'customer',
        name: params.name ?? null,
        email: params.email ?? null,
        metadata: { tenant_id: params['metadata[tenant_id]'] },
        invoice_settings: { default_payment_method: null },
      };
      this.objects.set(customerId, customer);
      return remember(customer);
    }
    if (resource === 'checkout' && id === 'sessions' && method === 'POST' && !sub) {
      const sessionId = this.id('cs');
      const lineItems: { price: string; quantity: number }[] = [];
      for (let i = 0, price = params[`line_items[${i}][price]`]; price; i += 1, price = params[`line_items[${i}][price]`]) {
        lineItems.push({ price, quantity: Number(params[`line_items[${i}][quantity]`] ?? 1) });
      }
      const session: Json = {
        id: sessionId,
        object: 'checkout.session',
        mode: params.mode,
        customer: params.customer,
        client_reference_id: params.client_reference_id ?? null,
        status: 'open',
        subscription: null,
        url: `https://checkout.stripe.test/c/pay/${sessionId}`,
        line_items: lineItems,
        subscription_metadata: { tenant_id: params['subscription_data[metadata][tenant_id]'], plan: params['subscription_data[metadata][plan]'] },
      };
      this.objects.set(sessionId, session);
      return remember(session);
    }
    if (resource === 'checkout' && id === 'sessions' && method === 'GET' && sub) return this.get(sub);
    if (resource === 'billing_portal' && id === 'sessions' && method === 'POST') {
      const portalId = this.id('bps');
      return remember({
        id: portalId,
        object: 'billing_portal.session',
        customer: params.customer,
        return_url: params.return_url,
        url: `https://billing.stripe.test/p/session/${portalId}`,
      });
    }
    if (resource === 'subscriptions' && id && method === 'POST') {
      const quantity = params['items[0][quantity]'];
      const cancel = params.cancel_at_period_end;
      return remember(
        this.updateSubscription(id, {
          quantity: quantity !== undefined ? Number(quantity) : undefined,
          cancelAtPeriodEnd: cancel !== undefined ? cancel === 'true' : undefined,
        }),
      );
    }
    if (['customers', 'subscriptions', 'invoices', 'payment_methods'].includes(resource) && id && method === 'GET') return this.get(id);
    return null;
  }

  private send(res: ServerResponse, status: number, body: Json): void {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${this.counter}`, 'stripe-should-retry': 'false' });
    res.end(JSON.stringify(body));
  }
}
