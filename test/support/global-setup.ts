import './resolve-js-extension';
import { buildOrmConfig } from '../../src/database/mikro-orm.config';
import { initOrm, migrate } from '../../src/database/migrate';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { loadMigrations } from './migrations';

declare global {
  var embeddedPostgres: EmbeddedPostgres | undefined;
}

/**
 * One database for the run: the one DATABASE_URL names (CI creates a fresh one), or an in-memory PGlite served for
 * the whole run. Migrations are applied once here; test servers then find nothing pending.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    globalThis.embeddedPostgres = await startEmbeddedPostgres({ maxConnections: 64 });
    process.env.DATABASE_URL = globalThis.embeddedPostgres.url;
    process.env.TEST_EMBEDDED_DATABASE = '1';
  }
  const orm = await initOrm(buildOrmConfig({ clientUrl: process.env.DATABASE_URL, poolSize: 2, migrationsList: loadMigrations() }));
  try {
    await migrate(orm);
  } finally {
    await orm.close();
  }
}
