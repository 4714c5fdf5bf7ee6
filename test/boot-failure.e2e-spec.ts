import { Migration } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import { loadAppConfig } from '../src/config/app-config';
import { createRootLogger } from '../src/common/logging/logger';
import { startServer } from '../src/server';
import { isolatedDatabase, privilegedQuery, type IsolatedDatabase } from './support/database';
import { loadMigrations } from './support/migrations';

// Connections to another database are visible in pg_stat_activity only on a PostgreSQL server.
const embedded = process.env.TEST_EMBEDDED_DATABASE === '1';
if (embedded) console.warn('boot-failure.e2e-spec: skipped on the embedded database; run it with DATABASE_URL');
const describeOnServer = embedded ? describe.skip : describe;

class MigrationThatFails extends Migration {
  override up(): void {
    this.addSql('select 1 / 0');
  }
}

describeOnServer('a boot that fails while migrating', () => {
  let db: IsolatedDatabase;

  beforeAll(async () => {
    db = await isolatedDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('rejects, and leaves no connection of its own open', async () => {
    const config = loadAppConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-000',
      SUPPRESSION_HASH_KEY: 'test-suppression-key-that-is-long-enough-000',
      LOG_LEVEL: 'silent',
      SEED_DEMO: 'false',
      PRIVACY_JOB_INTERVAL_SECONDS: '0',
    });
    const migrationsList: MigrationObject[] = [...loadMigrations(), { name: 'Migration99991231000000', class: MigrationThatFails }];
    await expect(startServer({ config, logger: createRootLogger('silent'), schemaFile: true, migrationsList })).rejects.toThrow(/division by zero/);

    const name = new URL(db.url).pathname.slice(1);
    const open = await privilegedQuery<{ connections: string }>(
      'select count(*) as connections from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [name],
    );
    expect(open[0].connections).toBe('0');
  });
});
