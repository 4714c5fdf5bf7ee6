import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LockMode } from '@mikro-orm/core';
import { MikroORM, type EntityManager, type QueryResult } from '@mikro-orm/postgresql';
import Stripe from 'stripe';
import { describeJobError } from '../common/errors/job-error.js';
import { PeriodicTask } from '../common/time/periodic-task.js';
import { Permission } from '../common/authorization/permission.js';
import { RequestContextStore, systemContext, type RequestContext } from '../common/context/request-context.js';
import { Clock } from '../common/time/clock.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { AppConfig } from '../config/app-config.js';
import { maintenanceFork, tenantScopedFork } from '../database/tenant-session.js';
import { BillingAccount } from './billing-account.entity.js';
import { BillingSync, idOf } from './billing-sync.js';
import { StripeGateway } from './stripe.gateway.js';

export const STRIPE_EVENTS_ACTOR = 'stripe-webhooks';
const LEASE_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 60 * 60_000;

/** A stored event taken by this instance for one attempt. */
export interface ClaimedStripeEvent {
  id: string;
  type: string;
  objectId: string | null;
  stripeCustomerId: string | null;
  attempts: number;
}

interface ClaimedRow {
  id: string;
  type: string;
  object_id: string | null;
  stripe_customer_id: string | null;
  attempts: number;
}

/**
 * Stripe webhook events: each is stored once by its id (a replay is acknowledged and changes nothing), then applied
 * by reading the object again from Stripe, under a lock on the tenant's billing account, so that events apply in any
 * order and a late one cannot bring back an older state. A failed attempt stays stored with its error and is retried
 * by `runDue()` (on a timer, BILLING_EVENT_RETRY_INTERVAL_SECONDS) with backoff, without end: an event is never lost.
 */
@Injectable()
export class StripeEvents implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('StripeEvents');
  private readonly schedule = new PeriodicTask('Stripe event retries', this.logger, () => this.runDue());

  constructor(
    private readonly orm: MikroORM,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly gateway: StripeGateway,
    private readonly sync: BillingSync,
    private readonly audit: AuditLog,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.gateway.configured) return;
    this.schedule.start(this.config.BILLING_EVENT_RETRY_INTERVAL_SECONDS * 1000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }

  /** Stores a verified event unless its id is known; then tries to apply it at once. */
  async receive(event: Stripe.Event): Promise<{ duplicate: boolean }> {
    const object = event.data.object as { id?: string; object?: string; customer?: string | { id: string } | null };
    const customerId = object.object === 'customer' ? (object.id ?? null) : idOf(object.customer);
    const now = this.clock.now();
    const inserted = await maintenanceFork(this.orm).transactional(async (tx) => {
      const result = await tx.execute<QueryResult>(
        `insert into stripe_event (id, type, object_id, stripe_customer_id, event_created_at, livemode, received_at, attempts, next_attempt_at)
         values (?, ?, ?, ?, ?, ?, ?, 0, ?) on conflict (id) do nothing`,
        [event.id, event.type.slice(0, 100), object.id ?? null, customerId, new Date(event.created * 1000), event.livemode, now, now],
        'run',
      );
      return result.affectedRows > 0;
    });
    if (!inserted) return { duplicate: true };
    const claimed = await this.claim(event.id);
    // Another instance already holds it (or it is done): nothing to do here.
    if (claimed) await this.process(claimed);
    return { duplicate: false };
  }

  /** Applies due events (new ones whose first attempt failed, retries) one after another; returns how many ran. */
  async runDue(limit = 100): Promise<number> {
    let ran = 0;
    while (ran < limit) {
      const event = await this.claim();
      if (!event) break;
      await this.process(event);
      ran += 1;
    }
    return ran;
  }

  /** Takes one due event (or the named one), counting the attempt and leasing it to this instance. */
  private async claim(id?: string): Promise<ClaimedStripeEvent | null> {
    const now = this.clock.now();
    const rows = await maintenanceFork(this.orm).transactional((tx) =>
      tx.execute<ClaimedRow[]>(
        `update stripe_event set locked_until = ?, attempts = attempts + 1
          where id = (select id from stripe_event
                       where processed_at is null and (locked_until is null or locked_until < ?)
                         and ${id ? 'id = ?' : 'next_attempt_at <= ?'}
                       order by event_created_at, id limit 1 for update skip locked)
          returning id, type, object_id, stripe_customer_id, attempts`,
        [new Date(now.getTime() + LEASE_MS), now, id ?? now],
      ),
    );
    const row = rows[0];
    return row ? { id: row.id, type: row.type, objectId: row.object_id, stripeCustomerId: row.stripe_customer_id, attempts: row.attempts } : null;
  }

  /** One attempt; returns whether the event is done. Failures are recorded for the next attempt, never thrown. */
  async process(event: ClaimedStripeEvent): Promise<boolean> {
    try {
      const tenantId = await this.tenantOf(event.stripeCustomerId);
      const outcome = tenantId ? await this.asTenant(tenantId, (em, ctx) => this.applyAndAudit(em, ctx, event)) : 'ignored: not a PromoX customer';
      await this.finish(event, outcome);
      return true;
    } catch (error) {
      await this.recordFailure(event, error);
      return false;
    }
  }

  private async tenantOf(customerId: string | null): Promise<string | null> {
    if (!customerId) return null;
    const rows = await maintenanceFork(this.orm).transactional((tx) =>
      tx.execute<{ tenant_id: string }[]>(`select tenant_id from billing_account where stripe_customer_id = ?`, [customerId]),
    );
    return rows[0]?.tenant_id ?? null;
  }

  /** As the tenant, exactly as a request would be, with the billing account locked while Stripe is read. */
  private asTenant(tenantId: string, fn: (em: EntityManager, ctx: RequestContext) => Promise<string>): Promise<string> {
    const ctx = systemContext(STRIPE_EVENTS_ACTOR, tenantId, new Set([Permission.BILLING_READ, Permission.BILLING_MANAGE]));
    const em = tenantScopedFork(this.orm, tenantId);
    return RequestContextStore.run(ctx, () => em.transactional((tx) => fn(tx as EntityManager, ctx)));
  }

  /**
   * Applies the event and, when it changed the tenant's billing state, enters it in the tenant's audit trail in the
   * same transaction (a subscription that lapses makes the tenant read-only: its members should see why and when).
   */
  private async applyAndAudit(em: EntityManager, ctx: RequestContext, event: ClaimedStripeEvent): Promise<string> {
    const outcome = await this.apply(em, event);
    if (outcome.startsWith('applied')) {
      await this.audit.record(ctx, [{ action: `billing.${event.type}`.slice(0, 100), targetType: 'StripeEvent', targetId: event.id }], { em });
    }
    return outcome;
  }

  private async apply(em: EntityManager, event: ClaimedStripeEvent): Promise<string> {
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
    if (idOf(subscription.customer) !== account.stripeCustomerId) return 'ignored: another customer\'s subscription';
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
    let methodId = customer.deleted ? null : idOf(customer.invoice_settings?.default_payment_method);
    if (!methodId && account.stripeSubscriptionId) {
      const current = subscription?.id === account.stripeSubscriptionId ? subscription : await this.retrieveSubscription(stripe, account.stripeSubscriptionId);
      methodId = idOf(current?.default_payment_method);
    }
    const card = this.sync.applyCard(account, methodId ? await stripe.paymentMethods.retrieve(methodId) : null);
    return card ? 'applied' : 'applied: no default card';
  }

  private async finish(event: ClaimedStripeEvent, outcome: string): Promise<void> {
    await maintenanceFork(this.orm).transactional((tx) =>
      tx.execute(
        `update stripe_event set processed_at = ?, outcome = ?, locked_until = null, next_attempt_at = null, last_error = null where id = ?`,
        [this.clock.now(), outcome.slice(0, 200), event.id],
      ),
    );
  }

  private async recordFailure(event: ClaimedStripeEvent, error: unknown): Promise<void> {
    const message = describeJobError(error, this.logger, 'Stripe event');
    this.logger.warn({ msg: 'applying a Stripe event failed; it will be retried', eventId: event.id, type: event.type, attempt: event.attempts, error: message });
    const backoff = Math.min(BACKOFF_BASE_MS * 2 ** Math.max(event.attempts - 1, 0), BACKOFF_MAX_MS);
    try {
      await maintenanceFork(this.orm).transactional((tx) =>
        tx.execute(`update stripe_event set last_error = ?, locked_until = null, next_attempt_at = ? where id = ?`, [
          message,
          new Date(this.clock.now().getTime() + backoff),
          event.id,
        ]),
      );
    } catch (recordError) {
      // The lease still runs out, so the event is retried even when its failure could not be written.
      this.logger.error(`Recording a Stripe event failure failed: ${recordError instanceof Error ? recordError.message : String(recordError)}`);
    }
  }

}
