import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { BillingPlanConfig } from '../config/billing-plans.js';

/** The configured plans (BILLING_PLANS), looked up by code or by Stripe price. */
@Injectable()
export class BillingPlans {
  private readonly plans: readonly BillingPlanConfig[];

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.plans = config.billingPlans;
  }

  all(): readonly BillingPlanConfig[] {
    return this.plans;
  }

  byCode(code: string | null | undefined): BillingPlanConfig | undefined {
    return code ? this.plans.find((plan) => plan.code === code) : undefined;
  }

  byPrice(priceId: string | null | undefined): BillingPlanConfig | undefined {
    return priceId ? this.plans.find((plan) => plan.stripePriceId === priceId) : undefined;
  }
}
