import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import type { Options } from '@mikro-orm/postgresql';
import { APP_ROLE, AUTH_ROLE, MAINTENANCE_ROLE, SUPPORT_ROLE } from './base.entity.js';

/**
 * Roles are cluster-wide, so they are created here rather than in a migration (a migration runs once per database).
 * Both are NOLOGIN: the app's own connection switches to them per transaction.
 */
async function ensureRoles(orm: MikroORM): Promise<void> {
  const em = orm.em.fork();
  for (const role of [APP_ROLE, AUTH_ROLE, SUPPORT_ROLE, MAINTENANCE_ROLE]) {
    await em.execute(
      `do $$ begin
         if not exists (select from pg_roles where rolname = '${role}') then create role ${role} nologin; end if;
       exception when duplicate_object or unique_violation then null;
       end $$`,
    );
    await em.execute(`grant ${role} to current_user`).catch(() => undefined);
  }
}

const MIGRATION_LOCK = 'promox:migrations';

/**
 * Runs `fn` holding the database's migration lock: a session-level advisory lock, on a connection of its own rather
 * than one of the pool's (a pool of one would have none left to migrate with). Instances that boot together take
 * turns; one that crashes while holding it releases it with its session.
 */
async function withMigrationLock<T>(orm: MikroORM, fn: () => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: orm.config.get('clientUrl') });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
    try {
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK]);
    }
  } finally {
    await client.end();
  }
}

/**
 * Applies pending migrations; returns their names. Safe to run at every boot and from several instances at once: the
 * roles, the migrations table and each migration are created under one lock, so a second instance waits for the first
 * and then finds nothing pending (without it, both created the same types and one crashed).
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  return withMigrationLock(orm, async () => {
    await ensureRoles(orm);
    const applied = await orm.migrator.up();
    return applied.map((m) => m.name);
  });
}

/** An ORM for a script of its own (migrations, the benchmark's setup, the tests' global setup). */
export function initOrm(config: Options): Promise<MikroORM> {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- init() builds the PostgreSQL MikroORM; MikroORM 7 types its result as the core class
  return MikroORM.init(config);
}

/** `npm run migration:up`: migrate the database named by DATABASE_URL and exit. */
async function main(): Promise<void> {
  const { buildOrmConfig } = await import('./mikro-orm.config.js');
  const clientUrl = process.env.DATABASE_URL;
  if (!clientUrl) throw new Error('DATABASE_URL must be set');
  const config: Options = buildOrmConfig({ clientUrl, poolSize: 2, entities: ['dist/src/**/*.entity.js'] });
  const orm = await initOrm(config);
  try {
    const applied = await migrate(orm);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
  } finally {
    await orm.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
