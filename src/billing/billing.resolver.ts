import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions } from '../common/authorization/access.decorators.js';
import { Permission } from '../common/authorization/permission.js';
import { AllowedWhileTenantReadOnly } from '../common/authorization/tenant-write-gate.js';
import { TenantCtx } from '../common/context/current-context.decorator.js';
import type { TenantContext } from '../common/context/request-context.js';
import { ConnectionArgs } from '../common/pagination/connection.args.js';
import type { Page } from '../common/pagination/connection.types.js';
import { Connection } from '../common/pagination/connection.types.js';
import { ChangeSeatsInput, StartCheckoutInput } from './billing.inputs.js';
import { BillingService } from './billing.service.js';
import { BillingRedirectType, BillingSubscriptionType, InvoiceType, PlanType } from './billing.types.js';

export const InvoiceConnection = Connection(InvoiceType, 'Invoice');

// Billing changes stay open while the tenant is read-only for an overdue payment: they are how it pays.
@Resolver()
export class BillingResolver {
  constructor(private readonly billing: BillingService) {}

  @RequirePermissions([])
  @Query(() => [PlanType], { description: 'The plans on offer.' })
  plans(): PlanType[] {
    return this.billing.listPlans();
  }

  @RequirePermissions([])
  @Query(() => BillingSubscriptionType, {
    description: "The active tenant's subscription. Any member may ask (readOnly); the billing fields need BILLING_READ.",
  })
  subscription(@TenantCtx() ctx: TenantContext): Promise<BillingSubscriptionType> {
    return this.billing.subscription(ctx);
  }

  @RequirePermissions([Permission.BILLING_READ])
  @Query(() => InvoiceConnection, { description: "The tenant's invoices, newest first. Requires BILLING_READ." })
  invoices(@TenantCtx() ctx: TenantContext, @Args() args: ConnectionArgs): Promise<Page<InvoiceType>> {
    return this.billing.invoices(ctx, args);
  }

  @RequirePermissions([Permission.BILLING_MANAGE], { actors: ['user'] })
  @AllowedWhileTenantReadOnly()
  @Mutation(() => BillingRedirectType, { description: 'A Stripe Checkout page subscribing the tenant to a plan. Requires BILLING_MANAGE.' })
  startCheckout(@TenantCtx() ctx: TenantContext, @Args('input') input: StartCheckoutInput): Promise<BillingRedirectType> {
    return this.billing.startCheckout(ctx, input);
  }

  @RequirePermissions([Permission.BILLING_MANAGE], { actors: ['user'] })
  @AllowedWhileTenantReadOnly()
  @Mutation(() => BillingRedirectType, {
    description: "Stripe's Customer Portal (card, plan, open invoices). Requires BILLING_MANAGE.",
  })
  openBillingPortal(@TenantCtx() ctx: TenantContext): Promise<BillingRedirectType> {
    return this.billing.openBillingPortal(ctx);
  }

  @RequirePermissions([Permission.BILLING_MANAGE], { actors: ['user'] })
  @AllowedWhileTenantReadOnly()
  @Mutation(() => BillingSubscriptionType, { description: 'Change the number of seats (prorated). Requires BILLING_MANAGE.' })
  changeSeats(@TenantCtx() ctx: TenantContext, @Args('input') input: ChangeSeatsInput): Promise<BillingSubscriptionType> {
    return this.billing.changeSeats(ctx, input);
  }

  @RequirePermissions([Permission.BILLING_MANAGE], { actors: ['user'] })
  @AllowedWhileTenantReadOnly()
  @Mutation(() => BillingSubscriptionType, { description: 'Cancel at the end of the current period. Requires BILLING_MANAGE.' })
  cancelSubscription(@TenantCtx() ctx: TenantContext): Promise<BillingSubscriptionType> {
    return this.billing.cancelSubscription(ctx);
  }

  @RequirePermissions([Permission.BILLING_MANAGE], { actors: ['user'] })
  @AllowedWhileTenantReadOnly()
  @Mutation(() => BillingSubscriptionType, { description: 'Take back a cancellation before it takes effect. Requires BILLING_MANAGE.' })
  resumeSubscription(@TenantCtx() ctx: TenantContext): Promise<BillingSubscriptionType> {
    return this.billing.resumeSubscription(ctx);
  }
}
