import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { SeatAllowances, type SeatAllowance } from '../common/authorization/seat-allowance.js';
import { TenantClosurePreconditions, type TenantClosurePrecondition } from '../common/authorization/tenant-closure-precondition.js';
import { TenantWriteGates, type TenantWriteGate } from '../common/authorization/tenant-write-gate.js';
import type { TenantContext } from '../common/context/request-context.js';
import { AppError, ErrorCode } from '../common/errors/app-errors.js';
import { Clock } from '../common/time/clock.js';
import { AppConfig } from '../config/app-config.js';
import { BillingAccount, SubscriptionStatus } from './billing-account.entity.js';
import { isLapsed } from './billing-sync.js';

/** Statuses whose subscription's seats apply; otherwise (no subscription, incomplete, canceled) the trial's do. */
const PAID: ReadonlySet<SubscriptionStatus> = new Set([
  SubscriptionStatus.TRIALING,
  SubscriptionStatus.ACTIVE,
  SubscriptionStatus.PAST_DUE,
  SubscriptionStatus.UNPAID,
]);

export interface Entitlement {
  seatLimit: number;
  /** When a lapsed subscription's grace period ends (or ended); null while payments are in order. */
  graceEndsAt: Date | null;
  readOnly: boolean;
}

type AccountState = Pick<BillingAccount, 'status' | 'seats' | 'lapsedAt'>;

/**
 * What a tenant's subscription entitles it to: its seats (a trial without a plan has BILLING_TRIAL_SEAT_LIMIT), and
 * whether it may change its data (a lapsed subscription is read-only once BILLING_GRACE_PERIOD_HOURS have passed).
 * Registered with the AccessGuard's write gates and with the members' seat check, which know nothing of billing.
 */
@Injectable()
export class BillingEntitlements implements TenantWriteGate, SeatAllowance, TenantClosurePrecondition, OnModuleInit {
  constructor(
    private readonly em: EntityManager,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly writeGates: TenantWriteGates,
    private readonly seatAllowances: SeatAllowances,
    private readonly closurePreconditions: TenantClosurePreconditions,
  ) {}

  onModuleInit(): void {
    this.writeGates.register(this);
    this.seatAllowances.register(this);
    this.closurePreconditions.register(this);
  }

  of(account: AccountState | null): Entitlement {
    const status = account?.status;
    const seats = account?.seats;
    const paid = status !== undefined && PAID.has(status) && seats !== undefined;
    const seatLimit = paid ? seats : this.config.BILLING_TRIAL_SEAT_LIMIT;
    const graceEndsAt =
      isLapsed(status) && account?.lapsedAt ? new Date(account.lapsedAt.getTime() + this.config.BILLING_GRACE_PERIOD_HOURS * 3_600_000) : null;
    return { seatLimit, graceEndsAt, readOnly: graceEndsAt !== null && graceEndsAt <= this.clock.now() };
  }

  async current(ctx: TenantContext): Promise<Entitlement> {
    const account = await this.em.findOne(BillingAccount, { tenantId: ctx.tenantId });
    return this.of(account);
  }

  async assertWritable(ctx: TenantContext): Promise<void> {
    const entitlement = await this.current(ctx);
    if (entitlement.readOnly) {
      throw new AppError(
        ErrorCode.SUBSCRIPTION_INACTIVE,
        "The subscription's payment is overdue past its grace period: the tenant is read-only until the invoice is paid.",
        { graceEndedAt: entitlement.graceEndsAt?.toISOString() },
      );
    }
  }

  /** A closed tenant must not go on paying: a subscription that still renews is cancelled (at period end) first. */
  async assertClosable(ctx: TenantContext): Promise<void> {
    const account = await this.em.findOne(BillingAccount, { tenantId: ctx.tenantId });
    const renews = account?.stripeSubscriptionId && account.status !== SubscriptionStatus.CANCELED && !account.cancelAtPeriodEnd;
    if (renews) {
      throw new AppError(
        ErrorCode.SUBSCRIPTION_ACTIVE,
        'Cancel the subscription first (cancelSubscription, by the owner): it then ends with the paid period.',
        {
          currentPeriodEnd: account.currentPeriodEnd?.toISOString() ?? null,
        },
      );
    }
  }

  async assertSeatsAvailable(ctx: TenantContext, seatsNeeded: number): Promise<void> {
    const { seatLimit } = await this.current(ctx);
    if (seatsNeeded > seatLimit) {
      throw new AppError(ErrorCode.SEAT_LIMIT_REACHED, `All ${seatLimit} seats are taken (members and pending invitations): add seats first.`, {
        seatLimit,
      });
    }
  }
}
