import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LockMode } from '@mikro-orm/core';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import Stripe from 'stripe';
import { Permission } from '../common/authorization/permission.js';
import { RequestContextStore, systemContext, type RequestContext } from '../common/context/request-context.js';
import { Clock } from '../common/time/clock.js';
import { AuditLog } from '../audit/index.js';
import { AppConfig } from '../config/app-config.js';
import { JobQueue, type ClaimedJob, type JobFailure, type JobHandler, type JobKind, type JobWorker } from '../database/job-queue/job-queue.js';
import { maintenanceFork, tenantScopedFork } from '../database/tenant-session.js';
import { BillingAccount } from './billing-account.entity.js';
import { BillingSync, idOf } from './billing-sync.js';
import { insertStripeEvent, markStripeEventProcessed, stripeEventById, tenantOfStripeCustomer, type StoredStripeEvent } from './stripe-event.sql.js';
import { StripeGateway } from './stripe.gateway.js';

export const STRIPE_EVENTS_ACTOR = 'stripe-webhooks';
/** The job queue's kind for applying a stored event, keyed by Stripe's event id: retried without end. */
export const STRIPE_EVENT_JOB: JobKind = { name: 'stripe-event', leaseMs: 5 * 60_000, backoff: { baseMs: 30_000, maxMs: 60 * 60_000 }, maxAttempts: null };

/**
 * Stripe webhook events: each is stored once by its id (a replay is acknowledged and changes nothing), then applied
 * by reading the object again from Stripe, under a lock on the tenant's billing account, so that events apply in any
 * order and a late one cannot bring back an older state. Storing it enqueues its `stripe-event` job in the same
 * transaction, and the webhook runs that job at once; a failed attempt keeps its error on the job and is retried by the
 * worker (every BILLING_EVENT_RETRY_INTERVAL_SECONDS) with backoff, without end: an event is never lost.
 */
@Injectable()
export class StripeEvents implements OnApplicationBootstrap, OnApplicationShutdown, JobHandler {
  private readonly logger = new Logger('StripeEvents');
  private readonly worker: JobWorker;

  constructor(
    private readonly orm: MikroORM,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly gateway: StripeGateway,
    private readonly sync: BillingSync,
    private readonly audit: AuditLog,
    private readonly queue: JobQueue,
  ) {
    this.worker = queue.worker(STRIPE_EVENT_JOB, this, this.logger);
  }

  onApplicationBootstrap(): void {
    if (!this.gateway.configured) return;
    this.worker.start(this.config.BILLING_EVENT_RETRY_INTERVAL_SECONDS * 1000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.worker.stop();
  }

  /** Stores a verified event unless its id is known, with its job; then runs the job at once. */
  async receive(event: Stripe.Event): Promise<{ duplicate: boolean }> {
    const object = event.data.object as { id?: string; object?: string; customer?: string | { id: string } | null };
    const customerId = object.object === 'customer' ? (object.id ?? null) : idOf(object.customer);
    const now = this.clock.now();
    const inserted = await maintenanceFork(this.orm).transactional(async (tx) => {
      const stored = await insertStripeEvent(tx, {
        id: event.id,
        type: event.type.slice(0, 100),
        objectId: object.id ?? null,
        customerId,
        createdAt: new Date(event.created * 1000),
        livemode: event.livemode,
        receivedAt: now,
      });
      // A platform job: the tenant is known only from the customer, when the event is applied.
      if (stored) await this.queue.enqueue(tx, STRIPE_EVENT_JOB, { key: event.id, tenantId: null });
      return stored;
    });
    if (!inserted) return { duplicate: true };
    // Another instance may already hold it: then it is theirs.
    await this.worker.runNow(event.id);
    return { duplicate: false };
  }

  /** Applies due events (new ones whose first attempt failed, retries) one after another; returns how many ran. */
  runDue(limit = 100): Promise<number> {
    return this.worker.runDue(limit);
  }

  /** One attempt at a stored event: applied as its tenant, then marked processed with what applying it did. */
  async run(job: ClaimedJob): Promise<void> {
    const maintenance = maintenanceFork(this.orm);
    const event = await maintenance.transactional((tx) => stripeEventById(tx, job.key));
    if (!event || event.processed) return;
    const tenantId = event.stripeCustomerId ? await maintenance.transactional((tx) => tenantOfStripeCustomer(tx, event.stripeCustomerId ?? '')) : null;
    const outcome = tenantId ? await this.asTenant(tenantId, (em, ctx) => this.applyAndAudit(em, ctx, event)) : 'ignored: not a PromoX customer';
    await maintenanceFork(this.orm).transactional((tx) => markStripeEventProcessed(tx, event.id, this.clock.now(), outcome));
  }

  failed(job: ClaimedJob, failure: JobFailure): Promise<void> {
    this.logger.warn({ msg: 'applying a Stripe event failed; it will be retried', eventId: job.key, attempt: job.attempt, error: failure.message });
    return Promise.resolve();
  }

  /** As the tenant, exactly as a request would be, with the billing account locked while Stripe is read. */
  private asTenant(tenantId: string, fn: (em: EntityManager, ctx: RequestContext) => Promise<string>): Promise<string> {
    const ctx = systemContext(STRIPE_EVENTS_ACTOR, tenantId, new Set([Permission.BILLING_READ, Permission.BILLING_MANAGE]));
    const em = tenantScopedFork(this.orm, tenantId);
    return RequestContextStore.run(ctx, () => em.transactional((tx) => fn(tx, ctx)));
  }

  /**
   * Applies the event and, when it changed the tenant's billing state, enters it in the tenant's audit trail in the
   * same transaction (a subscription that lapses makes the tenant read-only: its members should see why and when).
   */
  private async applyAndAudit(em: EntityManager, ctx: RequestContext, event: StoredStripeEvent): Promise<string> {
    const outcome = await this.apply(em, event);
    if (outcome.startsWith('applied')) {
      await this.audit.record(ctx, [{ action: `billing.${event.type}`.slice(0, 100), targetType: 'StripeEvent', targetId: event.id }], { em });
    }
    return outcome;
  }

  private async apply(em: EntityManager, event: StoredStripeEvent): Promise<string> {
    const account = await em.findOne(BillingAccount, { stripeCustomerId: event.stripeCustomerId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!account || !event.objectId) return 'ignored: no billing account';
    const objectId = event.objectId;
    const stripe = this.gateway.client();
    let outcome = 'applied';
    switch (event.type) {
      case 'checkout.session.completed': {
        const session = await stripe.checkout.sessions.retrieve(objectId);
        const subscriptionId = idOf(session.subscription);
        if (subscriptionId) outcome = await this.syncSubscription(stripe, account, subscriptionId);
        break;
      }
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
      case 'customer.subscription.paused':
      case 'customer.subscription.resumed':
        outcome = await this.syncSubscription(stripe, account, objectId);
        break;
      case 'invoice.paid':
      case 'invoice.payment_failed':
      case 'invoice.finalized':
      case 'invoice.payment_succeeded':
      case 'invoice.updated':
      case 'invoice.voided':
      case 'invoice.marked_uncollectible': {
        const invoice = await stripe.invoices.retrieve(objectId);
        await this.sync.applyInvoice(em, account, invoice);
        // The invoice's outcome moves its subscription (past_due, active): read that too, in case its own event is late.
        const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription);
        if (subscriptionId) await this.syncSubscription(stripe, account, subscriptionId);
        break;
      }
      // A card attached, or the customer's default changed: either way the card shown is the one Stripe charges now.
      case 'customer.updated':
      case 'payment_method.attached':
        outcome = await this.syncCard(stripe, account);
        break;
      default:
        outcome = 'ignored: event type not handled';
    }
    await em.flush();
    return outcome;
  }

  private async syncSubscription(stripe: Stripe, account: BillingAccount, subscriptionId: string): Promise<string> {
    const subscription = await stripe.subscriptions.retrieve(subscriptionId);
    if (idOf(subscription.customer) !== account.stripeCustomerId) return "ignored: another customer's subscription";
    // The one the account names now, read again too: which of the two speaks for the tenant is decided on Stripe's state.
    const named = account.stripeSubscriptionId;
    const current = named && named !== subscription.id ? await this.retrieveSubscription(stripe, named) : null;
    if (!this.sync.applySubscription(account, subscription, current)) return 'ignored: not the subscription that speaks for the tenant';
    // The subscription's own default card may be the one charged, and a card event may have come before it.
    await this.syncCard(stripe, account, subscription);
    return 'applied';
  }

  /** A subscription Stripe no longer has (a test-mode reset) is none: it no longer speaks for anyone. */
  private async retrieveSubscription(stripe: Stripe, id: string): Promise<Stripe.Subscription | null> {
    try {
      return await stripe.subscriptions.retrieve(id);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') return null;
      throw error;
    }
  }

  /**
   * The card Stripe charges: the customer's default payment method (invoice_settings), else that of the subscription
   * that speaks for the tenant (Checkout sets only the latter). Read from Stripe whatever the event named, and again
   * whenever that subscription is applied, so that a card attached without becoming the default, or an event arriving
   * before or after its subscription's, never decides it.
   */
  private async syncCard(stripe: Stripe, account: BillingAccount, subscription?: Stripe.Subscription): Promise<string> {
    const customer = await stripe.customers.retrieve(account.stripeCustomerId ?? '');
    let methodId = customer.deleted ? null : idOf(customer.invoice_settings.default_payment_method);
    if (!methodId && account.stripeSubscriptionId) {
      const current = subscription?.id === account.stripeSubscriptionId ? subscription : await this.retrieveSubscription(stripe, account.stripeSubscriptionId);
      methodId = idOf(current?.default_payment_method);
    }
    const card = this.sync.applyCard(account, methodId ? await stripe.paymentMethods.retrieve(methodId) : null);
    return card ? 'applied' : 'applied: no default card';
  }
}
