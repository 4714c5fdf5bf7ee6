import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Property, Unique } from '@mikro-orm/decorators/legacy';
import { registerEnumType } from '@nestjs/graphql';
import { TenantOwnedEntity, tenantPolicies } from '../database/base.entity.js';

/** Stripe's subscription statuses, as PromoX shows them (incomplete_expired reads as CANCELED, paused as UNPAID). */
export enum SubscriptionStatus {
  TRIALING = 'TRIALING',
  ACTIVE = 'ACTIVE',
  PAST_DUE = 'PAST_DUE',
  CANCELED = 'CANCELED',
  INCOMPLETE = 'INCOMPLETE',
  UNPAID = 'UNPAID',
}
registerEnumType(SubscriptionStatus, {
  name: 'SubscriptionStatus',
  description: 'TRIALING without a plan is the free trial that every tenant starts in.',
});

/**
 * A tenant's billing account: its Stripe customer (created lazily), the state of its subscription as last read from
 * Stripe, and its card as Stripe describes it (brand, last 4 digits, expiry: never a card number). One per tenant.
 * The webhook job (crm_maintenance) may read only which tenant a Stripe customer belongs to.
 */
@Entity(tenantPolicies({ maintenance: true }))
@Unique({ properties: ['tenantId'] })
export class BillingAccount extends TenantOwnedEntity {
  @Property({ length: 255, nullable: true, unique: true })
  stripeCustomerId?: string;

  @Property({ length: 255, nullable: true })
  stripeSubscriptionId?: string;

  /** The subscription item that carries the per-seat price (changing seats changes its quantity). */
  @Property({ length: 255, nullable: true })
  stripeSubscriptionItemId?: string;

  /** A configured plan's code; null without a subscription (the trial). */
  @Property({ length: 40, nullable: true })
  planCode?: string;

  @Enum({ items: () => SubscriptionStatus, nativeEnumName: 'subscription_status', nullable: true })
  status?: SubscriptionStatus;

  @Property({ type: 'integer', nullable: true })
  seats?: number;

  @Property({ type: 'timestamptz', nullable: true })
  currentPeriodEnd?: Date;

  @Property({ default: false })
  cancelAtPeriodEnd: Opt<boolean> = false;

  /** Since when payment has failed (PAST_DUE or UNPAID); the grace period runs from here. */
  @Property({ type: 'timestamptz', nullable: true })
  lapsedAt?: Date;

  @Property({ length: 30, nullable: true })
  cardBrand?: string;

  @Property({ length: 4, nullable: true })
  cardLast4?: string;

  @Property({ type: 'smallint', nullable: true })
  cardExpMonth?: number;

  @Property({ type: 'smallint', nullable: true })
  cardExpYear?: number;

  /** When the subscription state was last read from Stripe. */
  @Property({ type: 'timestamptz', nullable: true })
  syncedAt?: Date;
}
