import { Field, Int, ObjectType } from '@nestjs/graphql';
import { RestrictedField } from '../common/authorization/field-access.js';
import { Permission } from '../common/authorization/permission.js';
import type { BillingPlanConfig } from '../config/billing-plans.js';
import { SubscriptionStatus } from './billing-account.entity.js';
import { InvoiceStatus, type BillingInvoice } from './billing-invoice.entity.js';

@ObjectType('Plan', { description: 'A plan on offer (configured in BILLING_PLANS).' })
export class PlanType {
  @Field() code: string;
  @Field() name: string;
  @Field(() => Int, { description: 'Most seats a subscription on this plan may have.' }) seatLimit: number;
  @Field(() => [String]) features: string[];

  static from(plan: BillingPlanConfig): PlanType {
    return Object.assign(new PlanType(), { code: plan.code, name: plan.name, seatLimit: plan.seatLimit, features: [...plan.features] });
  }
}

@ObjectType('PaymentCard', { description: 'The card Stripe charges, as Stripe describes it: never its number.' })
export class PaymentCardType {
  @Field({ description: 'e.g. visa, mastercard, amex.' }) brand: string;
  @Field() last4: string;
  @Field(() => Int) expMonth: number;
  @Field(() => Int) expYear: number;
}

@ObjectType('BillingSubscription', {
  description: "The active tenant's subscription and entitlements. Every member may ask; the billing details need BILLING_READ.",
})
export class BillingSubscriptionType {
  @RestrictedField(() => PlanType, Permission.BILLING_READ, { description: 'Null during the trial (no plan).' })
  plan: PlanType | null;

  @RestrictedField(() => SubscriptionStatus, Permission.BILLING_READ, { description: 'TRIALING without a plan is the free trial.' })
  status: SubscriptionStatus | null;

  @RestrictedField(() => Int, Permission.BILLING_READ, { description: 'Seats the tenant may fill (members plus pending invitations).' })
  seats: number | null;

  @RestrictedField(() => Int, Permission.BILLING_READ, { description: 'Members plus pending invitations.' })
  seatsInUse: number | null;

  @RestrictedField(() => Date, Permission.BILLING_READ)
  currentPeriodEnd: Date | null;

  @RestrictedField(() => Boolean, Permission.BILLING_READ, { description: 'The subscription ends at currentPeriodEnd.' })
  cancelAtPeriodEnd: boolean | null;

  @RestrictedField(() => Date, Permission.BILLING_READ, { description: 'When a failed payment makes the tenant read-only.' })
  graceEndsAt: Date | null;

  @RestrictedField(() => PaymentCardType, Permission.BILLING_READ)
  card: PaymentCardType | null;

  @Field({ description: 'True while changes are refused with SUBSCRIPTION_INACTIVE (payment overdue past the grace period).' })
  readOnly: boolean;
}

@ObjectType('Invoice', { description: 'A Stripe invoice of the tenant. Amounts are minor units of currency.' })
export class InvoiceType {
  @Field(() => String, { nullable: true }) number: string | null;
  @Field(() => Int, { description: 'Minor units.' }) amountDue: number;
  @Field(() => Int, { description: 'Minor units.' }) amountPaid: number;
  @Field({ description: 'ISO 4217.' }) currency: string;
  @Field(() => InvoiceStatus) status: InvoiceStatus;
  @Field() periodStart: Date;
  @Field() periodEnd: Date;
  @Field(() => String, { nullable: true, description: "Stripe's page where the invoice can be viewed and paid." }) hostedInvoiceUrl: string | null;
  @Field(() => String, { nullable: true }) pdfUrl: string | null;
  @Field() issuedAt: Date;

  static from(invoice: BillingInvoice): InvoiceType {
    return Object.assign(new InvoiceType(), {
      number: invoice.number ?? null,
      amountDue: invoice.amountDue,
      amountPaid: invoice.amountPaid,
      currency: invoice.currency,
      status: invoice.status,
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
      hostedInvoiceUrl: invoice.hostedInvoiceUrl ?? null,
      pdfUrl: invoice.invoicePdfUrl ?? null,
      issuedAt: invoice.issuedAt,
    });
  }
}

@ObjectType('BillingRedirect', { description: 'A Stripe page to send the user to.' })
export class BillingRedirectType {
  @Field() url: string;
}
