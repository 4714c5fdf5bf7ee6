/** A plan a tenant can subscribe to, as configured in BILLING_PLANS. */
export interface BillingPlanConfig {
  /** Stable code clients send to `startCheckout` (e.g. "team"). */
  code: string;
  name: string;
  /** The Stripe Price the subscription is created with; billed per seat. */
  stripePriceId: string;
  /** Most seats a subscription on this plan may have. */
  seatLimit: number;
  features: string[];
}

/** Used when BILLING_PLANS is unset; the price ids are placeholders to replace with your Stripe prices. */
export const DEFAULT_BILLING_PLANS: readonly BillingPlanConfig[] = [
  { code: 'starter', name: 'Starter', stripePriceId: 'price_starter', seatLimit: 5, features: ['clients', 'orders'] },
  { code: 'team', name: 'Team', stripePriceId: 'price_team', seatLimit: 25, features: ['clients', 'orders', 'api_keys', 'webhooks'] },
  {
    code: 'business',
    name: 'Business',
    stripePriceId: 'price_business',
    seatLimit: 250,
    features: ['clients', 'orders', 'api_keys', 'webhooks', 'audit_export', 'priority_support'],
  },
];

/** Parses BILLING_PLANS (a JSON array); returns the plans, or the problems that make it unusable. */
export function parseBillingPlans(raw: string | undefined): { plans: BillingPlanConfig[]; problems: string[] } {
  if (raw === undefined) return { plans: DEFAULT_BILLING_PLANS.map((p) => ({ ...p, features: [...p.features] })), problems: [] };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { plans: [], problems: ['BILLING_PLANS: is not valid JSON'] };
  }
  if (!Array.isArray(value) || value.length === 0) return { plans: [], problems: ['BILLING_PLANS: must be a non-empty JSON array of plans'] };
  const problems: string[] = [];
  const plans: BillingPlanConfig[] = [];
  value.forEach((entry: unknown, index) => {
    const plan = entry as Partial<Record<keyof BillingPlanConfig, unknown>>;
    const where = `BILLING_PLANS[${index}]`;
    if (typeof entry !== 'object' || entry === null) return problems.push(`${where}: must be an object`);
    if (typeof plan.code !== 'string' || !/^[a-z0-9_-]{1,40}$/.test(plan.code)) problems.push(`${where}.code: must match [a-z0-9_-]{1,40}`);
    if (typeof plan.name !== 'string' || plan.name.trim() === '') problems.push(`${where}.name: must be a non-empty string`);
    if (typeof plan.stripePriceId !== 'string' || !plan.stripePriceId.startsWith('price_'))
      problems.push(`${where}.stripePriceId: must be a Stripe price id (price_…)`);
    if (typeof plan.seatLimit !== 'number' || !Number.isInteger(plan.seatLimit) || plan.seatLimit < 1)
      problems.push(`${where}.seatLimit: must be a positive integer`);
    const features = plan.features ?? [];
    if (!Array.isArray(features) || features.some((f) => typeof f !== 'string')) problems.push(`${where}.features: must be an array of strings`);
    plans.push({
      code: String(plan.code),
      name: String(plan.name),
      stripePriceId: String(plan.stripePriceId),
      seatLimit: Number(plan.seatLimit),
      features: Array.isArray(features) ? features.map(String) : [],
    });
  });
  const codes = plans.map((p) => p.code);
  if (new Set(codes).size !== codes.length) problems.push('BILLING_PLANS: plan codes must be unique');
  const prices = plans.map((p) => p.stripePriceId);
  if (new Set(prices).size !== prices.length) problems.push('BILLING_PLANS: each plan needs its own Stripe price');
  return { plans: problems.length ? [] : plans, problems };
}
