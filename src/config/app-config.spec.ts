import { ConfigurationError, loadAppConfig } from './app-config';

describe('loadAppConfig', () => {
  it('applies defaults for an empty environment', () => {
    const config = loadAppConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.GRAPHQL_MAX_DEPTH).toBe(10);
    expect(config.isProduction).toBe(false);
  });

  it('parses numbers and booleans from strings', () => {
    const config = loadAppConfig({ PORT: '8080', SEED_DEMO: 'false', DATABASE_POOL_SIZE: '20' });
    expect(config.PORT).toBe(8080);
    expect(config.SEED_DEMO).toBe(false);
    expect(config.DATABASE_POOL_SIZE).toBe(20);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadAppConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', NODE_ENV: 'staging' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'JWT_SECRET', 'NODE_ENV']) expect(message).toContain(`${name}:`);
  });

  it('requires a database, a signing secret and a suppression key in production', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production' })).toThrow(
      /DATABASE_URL: is required in production[\s\S]*JWT_SECRET: is required[\s\S]*SUPPRESSION_HASH_KEY: is required/,
    );
    const config = loadAppConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', JWT_SECRET: 'x'.repeat(32), SUPPRESSION_HASH_KEY: 'y'.repeat(32) });
    expect(config.isProduction).toBe(true);
  });

  it('reads billing plans from BILLING_PLANS, with defaults, and names what is wrong with them', () => {
    expect(loadAppConfig({}).billingPlans.map((p) => p.code)).toEqual(['starter', 'team', 'business']);
    const plans = [{ code: 'solo', name: 'Solo', stripePriceId: 'price_123', seatLimit: 1, features: ['orders'] }];
    expect(loadAppConfig({ BILLING_PLANS: JSON.stringify(plans) }).billingPlans).toEqual(plans);
    expect(() => loadAppConfig({ BILLING_PLANS: '[{' })).toThrow(/BILLING_PLANS: is not valid JSON/);
    expect(() => loadAppConfig({ BILLING_PLANS: '[]' })).toThrow(/BILLING_PLANS: must be a non-empty JSON array/);
    const bad = [{ code: 'Solo Plan', name: '', stripePriceId: 'prod_1', seatLimit: 0, features: [1] }, { ...plans[0] }, { ...plans[0] }];
    let message = '';
    try {
      loadAppConfig({ BILLING_PLANS: JSON.stringify(bad) });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const part of ['[0].code', '[0].name', '[0].stripePriceId', '[0].seatLimit', '[0].features', 'plan codes must be unique']) {
      expect(message).toContain(part);
    }
  });
});
