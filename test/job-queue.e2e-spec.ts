import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Clock } from '../src/common/time/clock';
import { JobQueue, JobStepError, type ClaimedJob, type JobFailure, type JobKind } from '../src/database/job-queue/job-queue';
import { maintenanceFork, tenantScopedFork } from '../src/database/tenant-session';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { startTestServer, type TestServer } from './support/test-server';
import { ifCreated, required } from './support/required';

const KIND: JobKind = { name: 'test-job', leaseMs: 60_000, backoff: { baseMs: 1_000, maxMs: 4_000 }, maxAttempts: 3 };
const onPostgres = process.env.TEST_EMBEDDED_DATABASE !== '1';

interface JobRow {
  key: string;
  tenant_id: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  run_at: Date | null;
  locked_until: Date | null;
}

/**
 * The queue itself, with a job kind of the test's own, on a database of its own (so that no other suite's worker
 * takes these jobs): transactional enqueue, tenant isolation, retries with backoff, and a worker that dies mid-job.
 * The two kinds the application runs on it are covered by their suites (privacy-requests, billing) and below.
 */
describe('job queue', () => {
  let db: IsolatedDatabase;
  let server: TestServer;
  let queue: JobQueue;
  let orm: MikroORM;
  let clock: Clock;
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  const logger = new Logger('JobQueueTest');

  const at = (ms: number) => jest.spyOn(clock, 'now').mockReturnValue(new Date(ms));
  const row = async (key: string) =>
    (
      await db.query<JobRow>(`select key, tenant_id, status, attempts, last_error, run_at, locked_until from job where kind = $1 and key = $2`, [
        KIND.name,
        key,
      ])
    )[0];
  const enqueueAs = (tenantId: string, key: string, jobTenant = tenantId) =>
    tenantScopedFork(orm, tenantId).transactional((tx) => queue.enqueue(tx, KIND, { key, tenantId: jobTenant }));

  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startTestServer({ DATABASE_URL: db.url, MAINTENANCE_INTERVAL_MINUTES: '0' });
    queue = server.app.get(JobQueue);
    orm = server.app.get(MikroORM);
    clock = server.app.get(Clock);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  it("serves the application's background work: privacy requests and Stripe events", () => {
    // Each kind's handler and its crash and retry tests: test/privacy-requests.e2e-spec.ts, test/billing.e2e-spec.ts.
    expect(queue.kinds()).toEqual(['privacy-request', 'stripe-event']);
  });

  it("enqueues in the caller's transaction: a rolled-back write leaves no job, a committed one a due job", async () => {
    const key = randomUUID();
    await expect(
      tenantScopedFork(orm, tenantA).transactional(async (tx) => {
        await queue.enqueue(tx, KIND, { key, tenantId: tenantA });
        throw new Error('The write that made it due failed.');
      }),
    ).rejects.toThrow('The write that made it due failed.');
    expect(await row(key)).toBeUndefined();

    expect(await enqueueAs(tenantA, key)).toBe(true);
    expect(await row(key)).toMatchObject({ tenant_id: tenantA, status: 'PENDING', attempts: 0, last_error: null });
    // Enqueueing again is a no-op.
    expect(await enqueueAs(tenantA, key)).toBe(false);
    await maintenanceFork(orm).transactional((tx) => queue.cancel(tx, KIND, key));
  });

  it("lets a tenant's session enqueue and see only its own tenant's jobs", async () => {
    const key = randomUUID();
    await expect(enqueueAs(tenantA, key, tenantB)).rejects.toThrow(/row-level security/);
    await enqueueAs(tenantB, key);
    const seenBy = (tenantId: string) => tenantScopedFork(orm, tenantId).transactional((tx) => queue.states(tx, KIND, [key]));
    expect((await seenBy(tenantA)).size).toBe(0);
    expect((await seenBy(tenantB)).get(key)).toMatchObject({ status: 'PENDING', attempts: 0 });
    // Nor can it change them.
    const cancelled = await tenantScopedFork(orm, tenantA).transactional((tx) => tx.execute(`update job set status = 'CANCELLED' where key = ?`, [key], 'run'));
    expect(cancelled).toMatchObject({ affectedRows: 0 });
    await maintenanceFork(orm).transactional((tx) => queue.cancel(tx, KIND, key));
  });

  it('runs a job as its tenant, retries a failed attempt with backoff showing its attempts and error, and gives up after the last', async () => {
    const key = randomUUID();
    await enqueueAs(tenantA, key);
    const seen: { tenant: string; attempt: number }[] = [];
    const failures: JobFailure[] = [];
    let failUntil = 3;
    const worker = queue.worker(
      KIND,
      {
        run: async (job: ClaimedJob) => {
          const [who] = await tenantScopedFork(orm, job.tenantId).transactional((tx) =>
            tx.execute<{ tenant: string }[]>(`select current_setting('app.tenant_id', true) as tenant`),
          );
          seen.push({ tenant: who.tenant, attempt: job.attempt });
          if (job.attempt <= failUntil) throw new JobStepError('send', new Error(`Attempt ${job.attempt} failed.`));
        },
        failed: (_job, failure) => {
          failures.push(failure);
          return Promise.resolve();
        },
      },
      logger,
    );
    const t0 = Date.now() + 1_000;
    at(t0);
    expect(await worker.runDue()).toBe(1);
    expect(await row(key)).toMatchObject({ status: 'PENDING', attempts: 1, last_error: 'Attempt 1 failed.', run_at: new Date(t0 + 1_000), locked_until: null });
    expect(failures).toEqual([{ message: 'Attempt 1 failed.', gaveUp: false, step: 'send' }]);
    // Not due before its backoff; then 1 s, 2 s (doubling), and the third failure is the last.
    at(t0 + 999);
    expect(await worker.runDue()).toBe(0);
    at(t0 + 1_000);
    expect(await worker.runDue()).toBe(1);
    expect(await row(key)).toMatchObject({ attempts: 2, last_error: 'Attempt 2 failed.', run_at: new Date(t0 + 3_000) });
    at(t0 + 3_000);
    expect(await worker.runDue()).toBe(1);
    expect(await row(key)).toMatchObject({ status: 'GAVE_UP', attempts: 3, last_error: 'Attempt 3 failed.', run_at: null });
    expect(failures.at(-1)).toEqual({ message: 'Attempt 3 failed.', gaveUp: true, step: 'send' });
    at(t0 + 60 * 60_000);
    expect(await worker.runDue()).toBe(0);

    // A person restarts it: a fresh count of attempts, the last error shown until an attempt succeeds.
    failUntil = 0;
    expect(await tenantScopedFork(orm, tenantA).transactional((tx) => queue.restart(tx, KIND, key))).toBe(true);
    expect(await row(key)).toMatchObject({ status: 'PENDING', attempts: 0, last_error: 'Attempt 3 failed.' });
    expect(await worker.runDue()).toBe(1);
    expect(await row(key)).toMatchObject({ status: 'DONE', attempts: 1, last_error: null, run_at: null });
    expect(seen.map((s) => s.tenant)).toEqual([tenantA, tenantA, tenantA, tenantA]);
  });

  it("takes over the job of a worker that died mid-job once its lease runs out, and ignores the dead worker's late word", async () => {
    const key = randomUUID();
    await enqueueAs(tenantA, key);
    const ran: number[] = [];
    const worker = queue.worker(
      KIND,
      {
        run: (job) => {
          ran.push(job.attempt);
          return Promise.resolve();
        },
      },
      logger,
    );
    const t0 = Date.now() + 1_000;
    at(t0);
    // The worker that claims it dies here: the job stays leased, so nobody else runs it meanwhile.
    const dead = await queue.claim(KIND);
    expect(dead).toMatchObject({ key, tenantId: tenantA, attempt: 1 });
    expect(await row(key)).toMatchObject({ status: 'PENDING', attempts: 1, locked_until: new Date(t0 + KIND.leaseMs) });
    expect(await worker.runDue()).toBe(0);
    at(t0 + KIND.leaseMs + 1);
    expect(await worker.runDue()).toBe(1);
    expect(ran).toEqual([2]);
    expect(await row(key)).toMatchObject({ status: 'DONE', attempts: 2, last_error: null });
    // A worker that was only slow, not dead, reports its attempt afterwards: the job's state stays as the last attempt left it.
    await queue.fail(KIND, required(dead, "the dead worker's job"), 'Timed out.');
    expect(await row(key)).toMatchObject({ status: 'DONE', attempts: 2, last_error: null });
  });

  (onPostgres ? it : it.skip)('retries a job whose database connection died in the middle of its transaction', async () => {
    // (PGlite serves every connection from one backend: there is no single connection's backend to end.)
    const key = randomUUID();
    await enqueueAs(tenantA, key);
    let attempts = 0;
    const worker = queue.worker(
      KIND,
      {
        run: async (job) => {
          attempts += 1;
          await tenantScopedFork(orm, job.tenantId).transactional(async (tx) => {
            const [{ pid }] = await tx.execute<{ pid: number }[]>(`select pg_backend_pid() as pid`);
            if (job.attempt === 1) await db.query(`select pg_terminate_backend($1)`, [pid]);
            await tx.execute(`select 1`);
          });
        },
      },
      logger,
    );
    const t0 = Date.now() + 1_000;
    at(t0);
    expect(await worker.runDue()).toBe(1);
    const failed = await row(key);
    expect(failed).toMatchObject({ status: 'PENDING', attempts: 1, run_at: new Date(t0 + 1_000) });
    expect(failed.last_error).toMatch(/^Database error \(reference [0-9a-f-]{36}\)\.$|terminat|Connection/i);
    at(t0 + 1_000);
    expect(await worker.runDue()).toBe(1);
    expect(await row(key)).toMatchObject({ status: 'DONE', attempts: 2, last_error: null });
    expect(attempts).toBe(2);
  });
});
