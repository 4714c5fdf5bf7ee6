import { Inject, Injectable } from '@nestjs/common';
import { LockMode, type FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import type Stripe from 'stripe';
import { v7 as uuidv7 } from 'uuid';
import { MemberDirectory, TenantService } from '../accounts/index.js';
import type { TenantContext } from '../common/context/request-context.js';
import { AppError, badInput, ErrorCode } from '../common/errors/app-errors.js';
import type { ConnectionArgs } from '../common/pagination/connection.args.js';
import type { Page } from '../common/pagination/connection.types.js';
import { keysetQuery, keysetRequest, parseDateKey, toPage } from '../common/pagination/keyset.js';
import { AppConfig } from '../config/app-config.js';
import { BillingAccount, SubscriptionStatus } from './billing-account.entity.js';
import { ensureBillingAccount } from './billing-account.sql.js';
import { BillingEntitlements } from './billing-entitlements.js';
import { BillingInvoice } from './billing-invoice.entity.js';
import { BillingPlans } from './billing-plans.js';
import { BillingSync } from './billing-sync.js';
import type { ChangeSeatsInput, StartCheckoutInput } from './billing.inputs.js';
import { BillingRedirectType, BillingSubscriptionType, InvoiceType, PlanType } from './billing.types.js';
import { StripeGateway } from './stripe.gateway.js';

/** A subscription in one of these states is still the tenant's: a new checkout would bill it twice. */
const CURRENT: ReadonlySet<SubscriptionStatus> = new Set([
  SubscriptionStatus.TRIALING,
  SubscriptionStatus.ACTIVE,
  SubscriptionStatus.PAST_DUE,
  SubscriptionStatus.UNPAID,
]);

/** The active tenant's billing: plans, checkout and portal links, seat changes, cancellation, invoices. */
@Injectable()
export class BillingService {
  constructor(
    private readonly em: EntityManager,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly plans: BillingPlans,
    private readonly gateway: StripeGateway,
    private readonly sync: BillingSync,
    private readonly entitlements: BillingEntitlements,
    private readonly tenants: TenantService,
    private readonly members: MemberDirectory,
  ) {}

  listPlans(): PlanType[] {
    return this.plans.all().map((plan) => PlanType.from(plan));
  }

  async subscription(ctx: TenantContext): Promise<BillingSubscriptionType> {
    const account = await this.em.findOne(BillingAccount, { tenantId: ctx.tenantId });
    const entitlement = this.entitlements.of(account);
    const plan = this.plans.byCode(account?.planCode);
    const hasCard = account?.cardBrand && account.cardLast4 && account.cardExpMonth && account.cardExpYear;
    return Object.assign(new BillingSubscriptionType(), {
      plan: plan ? PlanType.from(plan) : null,
      status: account?.status ?? SubscriptionStatus.TRIALING,
      seats: entitlement.seatLimit,
      seatsInUse: await this.members.seatsInUse(ctx),
      currentPeriodEnd: account?.currentPeriodEnd ?? null,
      cancelAtPeriodEnd: account?.cancelAtPeriodEnd ?? false,
      graceEndsAt: entitlement.graceEndsAt,
      card: hasCard ? { brand: account.cardBrand, last4: account.cardLast4, expMonth: account.cardExpMonth, expYear: account.cardExpYear } : null,
      readOnly: entitlement.readOnly,
    });
  }

  async invoices(ctx: TenantContext, args: ConnectionArgs): Promise<Page<InvoiceType>> {
    const tenantId = ctx.tenantId;
    const request = keysetRequest(args);
    const keyset = keysetQuery({ field: 'issuedAt', descending: true, parseKey: parseDateKey }, request);
    const rows = await this.em.find(
      BillingInvoice,
      { $and: [{ tenantId }, keyset.where as FilterQuery<BillingInvoice>] },
      { orderBy: keyset.orderBy, limit: request.limit + 1 },
    );
    return toPage(
      request,
      rows,
      (row) => ({ key: row.issuedAt.toISOString(), id: row.id }),
      (row) => InvoiceType.from(row),
      () => this.em.count(BillingInvoice, { tenantId }),
    );
  }

  /** A Stripe Checkout page that subscribes the tenant to `plan` with `seats` seats. */
  async startCheckout(ctx: TenantContext, input: StartCheckoutInput): Promise<BillingRedirectType> {
    const tenantId = ctx.tenantId;
    this.gateway.client();
    const plan = this.plans.byCode(input.plan);
    if (!plan) throw badInput(`No plan "${input.plan}".`, { fields: [{ field: 'plan', message: 'unknown plan' }] });
    await this.assertSeatsFit(ctx, input.seats, plan.seatLimit);
    const account = await this.lockedAccount(ctx);
    if (account.status && CURRENT.has(account.status)) {
      throw new AppError(ErrorCode.INVALID_TRANSITION, 'The tenant already has a subscription: change its seats, or its plan in the billing portal.');
    }
    const customer = await this.ensureCustomer(ctx, account);
    const session = await this.gateway.call((stripe) =>
      stripe.checkout.sessions.create({
        mode: 'subscription',
        customer,
        client_reference_id: tenantId,
        line_items: [{ price: plan.stripePriceId, quantity: input.seats }],
        subscription_data: { metadata: { tenant_id: tenantId, plan: plan.code } },
        metadata: { tenant_id: tenantId, plan: plan.code },
        success_url: `${this.config.BILLING_RETURN_URL}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${this.config.BILLING_RETURN_URL}?checkout=canceled`,
      }),
    );
    if (!session.url) throw new AppError(ErrorCode.BILLING_PROVIDER_ERROR, 'Stripe returned no checkout URL.');
    return Object.assign(new BillingRedirectType(), { url: session.url });
  }

  /** Stripe's Customer Portal, where the tenant changes its card, plan, and pays open invoices. */
  async openBillingPortal(ctx: TenantContext): Promise<BillingRedirectType> {
    this.gateway.client();
    const account = await this.lockedAccount(ctx);
    const customer = await this.ensureCustomer(ctx, account);
    const session = await this.gateway.call((stripe) => stripe.billingPortal.sessions.create({ customer, return_url: this.config.BILLING_RETURN_URL }));
    return Object.assign(new BillingRedirectType(), { url: session.url });
  }

  async changeSeats(ctx: TenantContext, input: ChangeSeatsInput): Promise<BillingSubscriptionType> {
    this.gateway.client();
    const account = await this.currentSubscription(ctx.tenantId);
    const plan = this.plans.byCode(account.planCode);
    await this.assertSeatsFit(ctx, input.seats, plan?.seatLimit ?? Number.MAX_SAFE_INTEGER);
    const itemId = account.stripeSubscriptionItemId as string;
    await this.updateSubscription(account, {
      items: [{ id: itemId, quantity: input.seats }],
      proration_behavior: 'create_prorations',
    });
    return this.subscription(ctx);
  }

  /** Ends the subscription at the end of the period already paid for. */
  async cancelSubscription(ctx: TenantContext): Promise<BillingSubscriptionType> {
    this.gateway.client();
    const account = await this.currentSubscription(ctx.tenantId);
    await this.updateSubscription(account, { cancel_at_period_end: true });
    return this.subscription(ctx);
  }

  /** Takes back a cancellation that has not taken effect yet. */
  async resumeSubscription(ctx: TenantContext): Promise<BillingSubscriptionType> {
    this.gateway.client();
    const account = await this.currentSubscription(ctx.tenantId);
    if (!account.cancelAtPeriodEnd) throw new AppError(ErrorCode.INVALID_TRANSITION, 'The subscription is not set to cancel.');
    await this.updateSubscription(account, { cancel_at_period_end: false });
    return this.subscription(ctx);
  }

  /** Stripe answers with the subscription as it now is: that state is written at once, the webhook confirms it. */
  private async updateSubscription(account: BillingAccount, params: Stripe.SubscriptionUpdateParams): Promise<void> {
    const updated = await this.gateway.call((stripe) =>
      stripe.subscriptions.update(account.stripeSubscriptionId as string, params, { idempotencyKey: uuidv7() }),
    );
    // The account's own subscription: no other to weigh it against.
    this.sync.applySubscription(account, updated, null);
    await this.em.flush();
  }

  private async assertSeatsFit(ctx: TenantContext, seats: number, planLimit: number): Promise<void> {
    if (seats > planLimit) {
      throw badInput(`This plan has at most ${planLimit} seats.`, { fields: [{ field: 'seats', message: `at most ${planLimit}` }] });
    }
    const inUse = await this.members.seatsInUse(ctx);
    if (seats < inUse) {
      throw badInput(`${inUse} seats are in use (members and pending invitations): remove some first.`, {
        fields: [{ field: 'seats', message: `at least ${inUse}` }],
      });
    }
  }

  private async currentSubscription(tenantId: string): Promise<BillingAccount> {
    const account = await this.em.findOne(BillingAccount, { tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!account?.stripeSubscriptionId || !account.stripeSubscriptionItemId || !account.status || !CURRENT.has(account.status)) {
      throw new AppError(ErrorCode.INVALID_TRANSITION, 'The tenant has no current subscription: start a checkout first.');
    }
    return account;
  }

  /** The tenant's billing account, created on first use and locked for this transaction. */
  private async lockedAccount(ctx: TenantContext): Promise<BillingAccount> {
    await ensureBillingAccount(this.em, ctx);
    return this.em.findOneOrFail(BillingAccount, { tenantId: ctx.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /**
   * The tenant's Stripe customer, created on first use. The idempotency key makes a retry after a rolled-back
   * transaction get the same customer back instead of a second one.
   */
  private async ensureCustomer(ctx: TenantContext, account: BillingAccount): Promise<string> {
    if (account.stripeCustomerId) return account.stripeCustomerId;
    const profile = await this.tenants.billingProfile(ctx);
    const customer = await this.gateway.call((stripe) =>
      stripe.customers.create(
        { name: profile.name, email: profile.billingEmail ?? undefined, metadata: { tenant_id: account.tenantId } },
        { idempotencyKey: `promox-tenant-customer-${account.tenantId}` },
      ),
    );
    account.stripeCustomerId = customer.id;
    await this.em.flush();
    return customer.id;
  }
}
