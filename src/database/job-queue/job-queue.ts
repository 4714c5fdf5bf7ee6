import { Injectable, type Logger } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { describeJobError } from '../../common/errors/job-error.js';
import { Clock } from '../../common/time/clock.js';
import { PeriodicTask } from '../../common/time/periodic-task.js';
import { maintenanceFork } from '../tenant-session.js';
import { JobStatus } from './job.entity.js';
import { cancelJob, claimJob, insertJob, jobsByKey, restartJob, settleJob, type JobRow } from './job-queue.sql.js';

/** A kind of job and its rules: how long a worker holds one, how it backs off, when it gives up. */
export interface JobKind {
  readonly name: string;
  readonly leaseMs: number;
  /** The wait after the n-th failed attempt: `baseMs * 2^(n-1)`, at most `maxMs`. */
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** Failed attempts before it waits for a person (`restart`); null: retried without end. */
  readonly maxAttempts: number | null;
}

/** A job taken by this worker for one attempt. */
export interface ClaimedJob {
  id: string;
  kind: string;
  key: string;
  tenantId: string | null;
  userId: string | null;
  /** 1 for the first attempt. */
  attempt: number;
}

/** What the people a job serves may see of it. */
export interface JobState {
  status: JobStatus;
  attempts: number;
  lastError: string | null;
  runAt: Date | null;
}

export interface JobFailure {
  /** The message stored as the job's last error. */
  message: string;
  /** This was the kind's last attempt: the job waits for a person now. */
  gaveUp: boolean;
  /** The step that failed, when the handler said (JobStepError). */
  step?: string;
}

/** The work of one kind. `run` acts as the job's tenant; throwing fails the attempt, to be retried after a backoff. */
export interface JobHandler {
  run(job: ClaimedJob): Promise<void>;
  /** After a failed attempt was recorded: e.g. the failure in the history that the job's owners read. */
  failed?(job: ClaimedJob, failure: JobFailure): Promise<void>;
}

/** Thrown by a handler whose work has steps, to say which one failed; the cause is what is described and stored. */
export class JobStepError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** What enqueueing, restarting, cancelling and reading need of a kind: its name. */
export type JobKindName = Pick<JobKind, 'name'>;

export interface EnqueuedJob {
  key: string;
  /** The tenant it runs as: the tenant of the session that enqueues it, or null for a user's own or the platform's. */
  tenantId: string | null;
  userId?: string | null;
  /** Now by default. */
  runAt?: Date;
}

const toClaimed = (row: JobRow): ClaimedJob => ({
  id: row.id,
  kind: row.kind,
  key: row.key,
  tenantId: row.tenant_id,
  userId: row.user_id,
  attempt: row.attempts,
});

/**
 * The one job queue of the application, in PostgreSQL (the `job` table). Jobs are enqueued in the caller's own
 * transaction and role, so they commit or roll back with the data that makes them due; workers claim them as
 * crm_maintenance with a lease and `skip locked`, so instances never run the same job and a dead worker's job is taken
 * over when its lease runs out; a failed attempt stores its error and is retried with exponential backoff until its
 * kind gives up. Times come from the Clock, so tests move time instead of waiting.
 */
@Injectable()
export class JobQueue {
  private readonly served = new Set<string>();

  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
  ) {}

  /** Enqueues a job in `em`'s transaction (a no-op when its kind already has one for the key); returns whether it did. */
  enqueue(em: EntityManager, kind: JobKindName, job: EnqueuedJob): Promise<boolean> {
    const now = this.clock.now();
    return insertJob(em, { kind: kind.name, key: job.key, tenantId: job.tenantId, userId: job.userId ?? null, runAt: job.runAt ?? now, now });
  }

  /** Makes a job that gave up (or finished) due now with a fresh count of attempts; false when there is none. */
  async restart(em: EntityManager, kind: JobKindName, key: string): Promise<boolean> {
    const now = this.clock.now();
    return (await restartJob(em, kind.name, key, now, now)) > 0;
  }

  /** Withdraws a job that has not finished; a worker holding it meanwhile settles nothing. */
  cancel(em: EntityManager, kind: JobKindName, key: string): Promise<void> {
    return cancelJob(em, kind.name, key, this.clock.now());
  }

  /** The state of the jobs for these keys that `em`'s session may see, by key. */
  async states(em: EntityManager, kind: JobKindName, keys: readonly string[]): Promise<Map<string, JobState>> {
    const rows = await jobsByKey(em, kind.name, keys);
    return new Map(rows.map((row) => [row.key, { status: row.status, attempts: row.attempts, lastError: row.last_error, runAt: row.run_at }]));
  }

  /** Takes the next due job of the kind, or the one for `key` if nobody holds it. */
  async claim(kind: JobKind, key?: string): Promise<ClaimedJob | null> {
    const now = this.clock.now();
    const row = await maintenanceFork(this.orm).transactional((tx) =>
      claimJob(tx, { kind: kind.name, key, now, lockedUntil: new Date(now.getTime() + kind.leaseMs) }),
    );
    return row ? toClaimed(row) : null;
  }

  async complete(job: ClaimedJob): Promise<void> {
    const now = this.clock.now();
    await maintenanceFork(this.orm).transactional((tx) => settleJob(tx, { id: job.id, attempts: job.attempt, now, done: true }));
  }

  /** Records a failed attempt and when to try again; returns whether the kind gave up on it. */
  async fail(kind: JobKind, job: ClaimedJob, message: string): Promise<boolean> {
    const now = this.clock.now();
    const gaveUp = kind.maxAttempts !== null && job.attempt >= kind.maxAttempts;
    const backoff = Math.min(kind.backoff.baseMs * 2 ** Math.max(job.attempt - 1, 0), kind.backoff.maxMs);
    const runAt = gaveUp ? null : new Date(now.getTime() + backoff);
    await maintenanceFork(this.orm).transactional((tx) => settleJob(tx, { id: job.id, attempts: job.attempt, now, done: false, error: message, runAt }));
    return gaveUp;
  }

  /** A worker for one kind: `runDue` on demand, and on a timer once started. */
  worker(kind: JobKind, handler: JobHandler, logger: Logger): JobWorker {
    this.served.add(kind.name);
    return new JobWorker(this, kind, handler, logger);
  }

  /** The kinds this instance has workers for. */
  kinds(): string[] {
    return [...this.served].sort();
  }
}

/** Runs the jobs of one kind with its handler. */
export class JobWorker {
  private readonly schedule: PeriodicTask;

  constructor(
    private readonly queue: JobQueue,
    private readonly kind: JobKind,
    private readonly handler: JobHandler,
    private readonly logger: Logger,
  ) {
    this.schedule = new PeriodicTask(`${kind.name} jobs`, logger, () => this.runDue());
  }

  /** Polls every interval (0: never; tests call `runDue`). */
  start(intervalMs: number): void {
    this.schedule.start(intervalMs);
  }

  /** Stops polling and waits for the run in flight. */
  stop(): Promise<void> {
    return this.schedule.stop();
  }

  /** Runs due jobs one after another until none is due (or `limit` ran); returns how many ran. */
  async runDue(limit = 100): Promise<number> {
    let ran = 0;
    while (ran < limit) {
      const job = await this.queue.claim(this.kind);
      if (!job) break;
      await this.process(job);
      ran += 1;
    }
    return ran;
  }

  /** Runs the job for `key` now, due or not, unless another worker holds it; returns whether it ran and succeeded. */
  async runNow(key: string): Promise<boolean> {
    const job = await this.queue.claim(this.kind, key);
    return job ? this.process(job) : false;
  }

  /** One attempt of a claimed job; returns whether it succeeded. Failures are recorded for the next attempt, never thrown. */
  async process(job: ClaimedJob): Promise<boolean> {
    try {
      await this.handler.run(job);
    } catch (error) {
      await this.recordFailure(job, error);
      return false;
    }
    try {
      await this.queue.complete(job);
    } catch (error) {
      // The work committed; the lease runs out and the job runs again, which finds its work done.
      this.logger.error(`Completing a ${this.kind.name} job failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return true;
  }

  private async recordFailure(job: ClaimedJob, error: unknown): Promise<void> {
    const step = error instanceof JobStepError ? error.step : undefined;
    const message = describeJobError(error instanceof JobStepError ? error.cause : error, this.logger, `${this.kind.name} job`);
    try {
      const gaveUp = await this.queue.fail(this.kind, job, message);
      await this.handler.failed?.(job, { message, gaveUp, step });
    } catch (recordError) {
      // The lease still runs out, so the job is retried even when its failure could not be written.
      this.logger.error(`Recording a ${this.kind.name} job failure failed: ${recordError instanceof Error ? recordError.message : String(recordError)}`);
    }
  }
}
