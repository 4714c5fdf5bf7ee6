import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../accounts/accounts.module.js';
import { BillingAccount } from './billing-account.entity.js';
import { JobQueueModule } from '../database/job-queue/job-queue.module.js';
import { BillingEntitlements } from './billing-entitlements.js';
import { BillingInvoice } from './billing-invoice.entity.js';
import { BillingPlans } from './billing-plans.js';
import { BillingSync } from './billing-sync.js';
import { BillingPersonalData } from './billing.personal-data.js';
import { BillingResolver } from './billing.resolver.js';
import { BillingService } from './billing.service.js';
import { StripeEvent } from './stripe-event.entity.js';
import { StripeEvents } from './stripe-events.service.js';
import { StripeWebhookController } from './stripe-webhook.controller.js';
import { StripeGateway } from './stripe.gateway.js';

/**
 * Plans, the tenant's Stripe customer and subscription, invoices, Stripe's webhooks, and the entitlements they give
 * (seats, read-only after an unpaid grace period), which it registers with `common`'s write gates and seat checks.
 */
@Module({
  imports: [MikroOrmModule.forFeature([BillingAccount, BillingInvoice, StripeEvent]), AccountsModule, JobQueueModule],
  controllers: [StripeWebhookController],
  providers: [StripeGateway, BillingPlans, BillingSync, BillingEntitlements, BillingService, BillingResolver, StripeEvents, BillingPersonalData],
  exports: [StripeEvents],
})
export class BillingModule {}
