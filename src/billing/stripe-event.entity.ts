import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { MAINTENANCE_ROLE } from '../database/base.entity.js';

/**
 * A Stripe webhook event, stored once by its id before it is applied, so a replay is recognised and a failure is
 * retried by its job (the job queue's `stripe-event` job, keyed by the event id) instead of lost. Only what is needed to apply it is kept (which object, of what type): the
 * object itself is read again from Stripe when the event is applied, so events apply in any order and no customer
 * details sit here. A platform table: only the webhook and its job (crm_maintenance) reach it.
 */
@Entity({
  rowLevelSecurity: 'force',
  policies: [{ name: 'maintenance', roles: [MAINTENANCE_ROLE], using: 'true', check: 'true' }],
})
export class StripeEvent {
  /** Stripe's event id (evt_…). */
  @PrimaryKey({ type: 'text' })
  id: string;

  @Property({ length: 100 })
  type: string;

  /** The id of the event's object (sub_…, in_…, cs_…, cus_…, pm_…). */
  @Property({ length: 255, nullable: true })
  objectId?: string;

  /** The Stripe customer the event is about: it names the tenant (through its billing account). */
  @Property({ length: 255, nullable: true })
  stripeCustomerId?: string;

  /** Stripe's `event.created`. */
  @Property({ type: 'timestamptz' })
  eventCreatedAt: Date;

  @Property()
  livemode: boolean;

  @Property({ type: 'timestamptz' })
  receivedAt: Opt<Date> = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  processedAt?: Date;

  /** What applying it did, e.g. "applied" or "ignored: unknown customer". */
  @Property({ length: 200, nullable: true })
  outcome?: string;
}
