import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type Stripe from 'stripe';
import { Clock } from '../common/time/clock.js';
import { BillingAccount, SubscriptionStatus } from './billing-account.entity.js';
import { BillingInvoice, InvoiceStatus } from './billing-invoice.entity.js';
import { BillingPlans } from './billing-plans.js';

const STATUS: Readonly<Record<Stripe.Subscription.Status, SubscriptionStatus>> = {
  trialing: SubscriptionStatus.TRIALING,
  active: SubscriptionStatus.ACTIVE,
  past_due: SubscriptionStatus.PAST_DUE,
  canceled: SubscriptionStatus.CANCELED,
  incomplete: SubscriptionStatus.INCOMPLETE,
  // Stripe gave up waiting for the first payment: no subscription came of it.
  incomplete_expired: SubscriptionStatus.CANCELED,
  unpaid: SubscriptionStatus.UNPAID,
  // Paused (a trial ended without a payment method): nothing is being paid.
  paused: SubscriptionStatus.UNPAID,
};

const LAPSED: ReadonlySet<SubscriptionStatus> = new Set([SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID]);
/** A subscription in one of these states no longer speaks for the tenant once another one does. */
const ENDED: ReadonlySet<SubscriptionStatus> = new Set([SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE]);

const INVOICE_STATUS: Readonly<Record<string, InvoiceStatus>> = {
  draft: InvoiceStatus.DRAFT,
  open: InvoiceStatus.OPEN,
  paid: InvoiceStatus.PAID,
  uncollectible: InvoiceStatus.UNCOLLECTIBLE,
  void: InvoiceStatus.VOID,
};

export const idOf = (value: string | { id: string } | null | undefined): string | null => (typeof value === 'string' ? value : (value?.id ?? null));

const fromEpoch = (seconds: number | null | undefined): Date | undefined => (seconds ? new Date(seconds * 1000) : undefined);

/**
 * Copies Stripe's current state of an object onto our rows. Callers pass objects just read from Stripe (never a
 * webhook's copy), so whatever order events arrive in, the newest state is what gets written.
 */
@Injectable()
export class BillingSync {
  constructor(
    private readonly plans: BillingPlans,
    private readonly clock: Clock,
  ) {}

  /**
   * Returns false when the subscription does not speak for the tenant: `current` is the subscription the account names
   * now (just read from Stripe; null when it is the same one, or none), and of two the live one wins, then the newer
   * one. That is a rule on Stripe's state alone, so events of an old subscription arriving late, or early, end the same.
   */
  applySubscription(account: BillingAccount, subscription: Stripe.Subscription, current: Stripe.Subscription | null): boolean {
    if (current && current.id !== subscription.id && !speaksBefore(subscription, current)) return false;
    const status = statusOf(subscription);
    const items = subscription.items.data;
    const item = items.find((i) => this.plans.byPrice(i.price.id)) ?? items.at(0);
    account.stripeSubscriptionId = subscription.id;
    account.stripeSubscriptionItemId = item?.id;
    account.planCode = this.plans.byPrice(item?.price.id)?.code;
    account.status = status;
    account.seats = item?.quantity ?? 1;
    account.currentPeriodEnd = fromEpoch(item?.current_period_end);
    account.cancelAtPeriodEnd = subscription.cancel_at_period_end;
    const now = this.clock.now();
    account.lapsedAt = LAPSED.has(status) ? (account.lapsedAt ?? now) : undefined;
    account.syncedAt = now;
    return true;
  }

  /**
   * The card Stripe charges: brand, last 4 digits and expiry, the only card details Stripe gives and the only ones
   * kept; none when Stripe names no default payment method (or it is not a card).
   */
  applyCard(account: BillingAccount, paymentMethod: Stripe.PaymentMethod | null): boolean {
    const card = paymentMethod?.card;
    account.cardBrand = card?.brand;
    account.cardLast4 = card?.last4;
    account.cardExpMonth = card?.exp_month;
    account.cardExpYear = card?.exp_year;
    return card !== undefined;
  }

  async applyInvoice(em: EntityManager, account: BillingAccount, invoice: Stripe.Invoice): Promise<BillingInvoice> {
    const row =
      (await em.findOne(BillingInvoice, { stripeInvoiceId: invoice.id })) ??
      em.create(BillingInvoice, {
        tenantId: account.tenantId,
        stripeInvoiceId: invoice.id,
        amountDue: 0,
        amountPaid: 0,
        currency: 'USD',
        status: InvoiceStatus.DRAFT,
        periodStart: new Date(invoice.period_start * 1000),
        periodEnd: new Date(invoice.period_end * 1000),
        issuedAt: new Date(invoice.created * 1000),
      });
    Object.assign(row, {
      number: invoice.number ?? undefined,
      amountDue: invoice.amount_due,
      amountPaid: invoice.amount_paid,
      currency: invoice.currency.toUpperCase(),
      status: INVOICE_STATUS[invoice.status ?? 'draft'] ?? InvoiceStatus.DRAFT,
      periodStart: new Date(invoice.period_start * 1000),
      periodEnd: new Date(invoice.period_end * 1000),
      hostedInvoiceUrl: invoice.hosted_invoice_url ?? undefined,
      invoicePdfUrl: invoice.invoice_pdf ?? undefined,
      issuedAt: new Date(invoice.created * 1000),
    });
    return row;
  }
}

const statusOf = (subscription: Stripe.Subscription): SubscriptionStatus => STATUS[subscription.status] ?? SubscriptionStatus.INCOMPLETE;

/** Whether `candidate` speaks for the tenant rather than `current`: a live subscription before an ended one, then the newer. */
function speaksBefore(candidate: Stripe.Subscription, current: Stripe.Subscription): boolean {
  const live = !ENDED.has(statusOf(candidate));
  if (live !== !ENDED.has(statusOf(current))) return live;
  return candidate.created !== current.created ? candidate.created > current.created : candidate.id > current.id;
}

export const isLapsed = (status: SubscriptionStatus | null | undefined): boolean => status !== null && status !== undefined && LAPSED.has(status);
