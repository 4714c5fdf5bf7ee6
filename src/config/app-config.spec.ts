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

  it('requires a database and a signing secret in production', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL: is required in production[\s\S]*JWT_SECRET: is required/);
    const config = loadAppConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', JWT_SECRET: 'x'.repeat(32) });
    expect(config.isProduction).toBe(true);
  });
});
