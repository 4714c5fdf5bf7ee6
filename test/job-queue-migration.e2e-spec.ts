import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../src/database/migrate';
import { buildOrmConfig } from '../src/database/mikro-orm.config';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { loadMigrations } from './support/migrations';
import { ifCreated } from './support/required';

/** The last migration before the job queue: the database as an instance that ran the old job code left it. */
const BEFORE_QUEUE = 'Migration20261207030945';
const ROLES = ['crm_app', 'crm_auth', 'crm_support', 'crm_maintenance'];

interface JobRow {
  kind: string;
  key: string;
  tenant_id: string | null;
  user_id: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  run_at: Date | null;
  locked_until: Date | null;
}

/**
 * The migrations that move background work onto the job queue keep every job in flight: its attempts, last error,
 * due time and lease become a `job` row, so a job waiting for its retry, running, or given up carries on from there.
 */
describe('moving in-flight jobs onto the job queue (migrations)', () => {
  let db: IsolatedDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await isolatedDatabase();
    for (const role of ROLES) {
      await db.query(`do $$ begin if not exists (select from pg_roles where rolname = '${role}') then create role ${role} nologin; end if; end $$`);
      await db.query(`grant ${role} to current_user`);
    }
    const config = buildOrmConfig({ clientUrl: db.url, poolSize: 2, migrationsList: loadMigrations() });
    orm = await initOrm({ ...config, migrations: { ...config.migrations, silent: true } });
    await orm.migrator.up({ to: BEFORE_QUEUE });
  });
  afterAll(async () => {
    await ifCreated(orm)?.close();
    await ifCreated(db)?.drop();
  });

  it('turns the job state of verified privacy requests and of stored Stripe events into jobs of the queue', async () => {
    const tenant = randomUUID();
    const user = randomUUID();
    const t = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 12, minutes));
    const request = async (fields: {
      status: string;
      attempts: number;
      lastError?: string;
      nextAttemptAt?: Date;
      lockedUntil?: Date;
      verified: boolean;
      own?: boolean;
    }) => {
      const id = randomUUID();
      await db.query(
        `insert into data_subject_request (id, created_at, updated_at, tenant_id, type, status, subject_kind, subject_user_id, subject_contact_id,
            subject_key, received_at, deadline_rule, due_at, original_due_at, verified_at, closed_at, job_steps_done,
            attempts, last_error, next_attempt_at, locked_until)
         values ($1, $2, $2, $3, 'OBJECTION', $4, $5, $6, $7, $8, $2, 'GDPR_ONE_MONTH', $9, $9, $10, $11, '{start}', $12, $13, $14, $15)`,
        [
          id,
          t(0),
          fields.own ? null : tenant,
          fields.status,
          fields.own ? 'USER' : 'CONTACT',
          fields.own ? user : null,
          fields.own ? null : randomUUID(),
          `${fields.own ? 'user' : 'contact'}:${randomUUID()}`,
          t(60 * 24 * 30),
          fields.verified ? t(1) : null,
          fields.status === 'COMPLETED' ? t(9) : null,
          fields.attempts,
          fields.lastError ?? null,
          fields.nextAttemptAt ?? null,
          fields.lockedUntil ?? null,
        ],
      );
      return id;
    };
    const running = await request({ status: 'IN_PROGRESS', attempts: 2, lastError: 'Boom.', nextAttemptAt: t(5), lockedUntil: t(10), verified: true });
    const gaveUp = await request({ status: 'IN_PROGRESS', attempts: 5, lastError: 'Still boom.', verified: true });
    const ownDue = await request({ status: 'VERIFIED', attempts: 0, nextAttemptAt: t(2), verified: true, own: true });
    const done = await request({ status: 'COMPLETED', attempts: 1, verified: true });
    const received = await request({ status: 'RECEIVED', attempts: 0, verified: false });
    const stripeEvent = async (fields: { attempts: number; lastError?: string; nextAttemptAt?: Date; lockedUntil?: Date; processedAt?: Date }) => {
      const id = `evt_${randomUUID()}`;
      await db.query(
        `insert into stripe_event (id, type, object_id, stripe_customer_id, event_created_at, livemode, received_at, processed_at, outcome,
            attempts, last_error, next_attempt_at, locked_until)
         values ($1, 'customer.subscription.updated', 'sub_1', 'cus_1', $2, false, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          t(0),
          fields.processedAt ?? null,
          fields.processedAt ? 'applied' : null,
          fields.attempts,
          fields.lastError ?? null,
          fields.nextAttemptAt ?? null,
          fields.lockedUntil ?? null,
        ],
      );
      return id;
    };
    const retrying = await stripeEvent({ attempts: 3, lastError: 'Stripe is down.', nextAttemptAt: t(30), lockedUntil: t(4) });
    const applied = await stripeEvent({ attempts: 1, processedAt: t(1) });

    await orm.migrator.up();

    const jobs = new Map(
      (
        await db.query<JobRow>(
          `select kind, key, tenant_id, user_id, status, attempts, last_error, run_at, locked_until from job where kind = 'privacy-request'`,
        )
      ).map((j) => [j.key, j]),
    );
    expect(jobs.get(running)).toEqual({
      kind: 'privacy-request',
      key: running,
      tenant_id: tenant,
      user_id: null,
      status: 'PENDING',
      attempts: 2,
      last_error: 'Boom.',
      run_at: t(5),
      locked_until: t(10),
    });
    expect(jobs.get(gaveUp)).toMatchObject({ status: 'GAVE_UP', attempts: 5, last_error: 'Still boom.', run_at: null });
    expect(jobs.get(ownDue)).toMatchObject({ tenant_id: null, user_id: user, status: 'PENDING', attempts: 0, run_at: t(2) });
    expect(jobs.get(done)).toMatchObject({ status: 'DONE', attempts: 1, run_at: null });
    expect(jobs.has(received)).toBe(false);
    const left = await db.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_name = 'data_subject_request' and column_name in ('attempts', 'last_error', 'next_attempt_at', 'locked_until')`,
    );
    expect(left).toEqual([]);

    const events = new Map(
      (
        await db.query<JobRow>(`select kind, key, tenant_id, user_id, status, attempts, last_error, run_at, locked_until from job where kind = 'stripe-event'`)
      ).map((j) => [j.key, j]),
    );
    expect(events.get(retrying)).toEqual({
      kind: 'stripe-event',
      key: retrying,
      tenant_id: null,
      user_id: null,
      status: 'PENDING',
      attempts: 3,
      last_error: 'Stripe is down.',
      run_at: t(30),
      locked_until: t(4),
    });
    expect(events.get(applied)).toMatchObject({ status: 'DONE', attempts: 1, last_error: null, run_at: null });
    const eventColumns = await db.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_name = 'stripe_event' and column_name in ('attempts', 'last_error', 'next_attempt_at', 'locked_until')`,
    );
    expect(eventColumns).toEqual([]);
  });
});
