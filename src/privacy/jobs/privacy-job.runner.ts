import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LockMode } from '@mikro-orm/core';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { AuditLog } from '../../audit/index.js';
import { Permission } from '../../common/authorization/permission.js';
import { RequestContextStore, systemContext, type RequestContext } from '../../common/context/request-context.js';
import { Clock } from '../../common/time/clock.js';
import { AppConfig } from '../../config/app-config.js';
import {
  JobQueue,
  JobStepError,
  type ClaimedJob as QueuedJob,
  type JobFailure,
  type JobHandler,
  type JobKind,
  type JobWorker,
} from '../../database/job-queue/job-queue.js';
import { tenantScopedFork } from '../../database/tenant-session.js';
import { DataSubjectRequest, DataSubjectRequestStatus as S } from '../requests/data-subject-request.entity.js';
import { DataSubjectRequestEventKind as E } from '../requests/data-subject-request-event.entity.js';
import { addRequestEvent } from '../requests/data-subject-request.events.js';
import { assertTransition, isOpen } from '../requests/data-subject-request.rules.js';
import { PRIVACY_JOB_PROCESSORS, PRIVACY_REQUEST_JOB, PrivacyJobRejection, type PrivacyJobProcessor } from './privacy-job.js';

export const PRIVACY_JOB_ACTOR = 'privacy-jobs';
/** A runner holds a claimed job this long; if it dies meanwhile, another runner takes the job over afterwards. */
export const JOB_LEASE_MS = 5 * 60_000;
const PERMISSIONS = new Set([Permission.PRIVACY_MANAGE, Permission.CLIENTS_WRITE, Permission.PII_READ]);

/** A request's job taken by this runner: the request and what is needed to act as its tenant (or user). */
export interface ClaimedJob {
  /** The request's id. */
  id: string;
  tenantId: string | null;
  subjectUserId: string | null;
  attempt: number;
}

const requestJob = (job: QueuedJob): ClaimedJob => ({ id: job.key, tenantId: job.tenantId, subjectUserId: job.userId, attempt: job.attempt });

type StepOutcome = 'done' | 'stop';

/**
 * Runs the background work of verified privacy requests: the job queue's `privacy-request` jobs, which verifying a
 * request enqueues in the same transaction. A job runs its processor's steps, each in a transaction of its own as the
 * request's tenant, exactly as a request would, and records each step as done with its effects. The queue counts the
 * attempts, keeps the last error and retries with exponential backoff until PRIVACY_JOB_MAX_ATTEMPTS; the request's
 * history gets an ATTEMPT_FAILED event per failure (and GAVE_UP after the last).
 */
@Injectable()
export class PrivacyJobRunner implements OnApplicationBootstrap, OnApplicationShutdown, JobHandler {
  private readonly logger = new Logger('PrivacyJobRunner');
  private readonly processors: readonly PrivacyJobProcessor[];
  private readonly kind: JobKind;
  private readonly worker: JobWorker;

  /** Tests only: called inside each step's transaction after its work, before the commit; throwing fails the step. */
  stepHook?: (step: string, job: ClaimedJob) => void | Promise<void>;

  constructor(
    private readonly orm: MikroORM,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly queue: JobQueue,
    @Inject(PRIVACY_JOB_PROCESSORS) processors: PrivacyJobProcessor[],
  ) {
    this.processors = processors;
    this.kind = {
      ...PRIVACY_REQUEST_JOB,
      leaseMs: JOB_LEASE_MS,
      backoff: { baseMs: 30_000, maxMs: 60 * 60_000 },
      maxAttempts: config.PRIVACY_JOB_MAX_ATTEMPTS,
    };
    this.worker = queue.worker(this.kind, this, this.logger);
  }

  onApplicationBootstrap(): void {
    this.worker.start(this.config.PRIVACY_JOB_INTERVAL_SECONDS * 1000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.worker.stop();
  }

  /** Runs due jobs one after another until none is due (or `limit` ran); returns how many ran. */
  runDue(limit = 100): Promise<number> {
    return this.worker.runDue(limit);
  }

  /** Takes the next due job and leases it to this runner, without running it (tests: a runner that dies). */
  async claim(): Promise<ClaimedJob | null> {
    const job = await this.queue.claim(this.kind);
    return job ? requestJob(job) : null;
  }

  /** Runs the request's steps not yet done; a step that throws fails the attempt (JobStepError names it). */
  async run(queued: QueuedJob): Promise<void> {
    const job = requestJob(queued);
    const request = await this.inTransaction(job, (em) => em.findOne(DataSubjectRequest, { id: job.id }));
    // Cancelled or rejected while waiting: nothing more to do.
    if (!request || !isOpen(request.status) || request.status === S.RECEIVED) return;
    // One processor per type and subject kind: a user's erasure is other work than a contact's.
    const processor = this.processors.find((p) => p.type === request.type && (!p.subjects || p.subjects.includes(request.subjectKind)));
    if (!processor) throw new Error(`No job carries out ${request.type} requests about a ${request.subjectKind.toLowerCase()}.`);
    for (const step of ['start', ...processor.steps, 'complete']) {
      try {
        const outcome = await this.inTransaction(job, (em, ctx) => this.runStep(em, ctx, job, processor, step));
        if (outcome === 'stop') return;
      } catch (error) {
        if (!(error instanceof PrivacyJobRejection)) throw new JobStepError(step, error);
        await this.inTransaction(job, (em, ctx) => this.reject(em, ctx, job, error.message));
        return;
      }
    }
  }

  /** A failed attempt, already recorded on the job: it goes into the request's history too. */
  async failed(queued: QueuedJob, failure: JobFailure): Promise<void> {
    const job = requestJob(queued);
    await this.inTransaction(job, async (em, ctx) => {
      const request = await em.findOne(DataSubjectRequest, { id: job.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!request) return;
      const now = this.clock.now();
      addRequestEvent(em, ctx, request, E.ATTEMPT_FAILED, now, { note: failure.message, details: { step: failure.step, attempt: job.attempt } });
      if (failure.gaveUp) addRequestEvent(em, ctx, request, E.GAVE_UP, now, { note: `Stopped after ${job.attempt} attempts.` });
      await em.flush();
    });
  }

  private async runStep(em: EntityManager, ctx: RequestContext, job: ClaimedJob, processor: PrivacyJobProcessor, step: string): Promise<StepOutcome> {
    const request = await em.findOne(DataSubjectRequest, { id: job.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    // Cancelled or rejected meanwhile: nothing more to do.
    if (!request || !isOpen(request.status) || request.status === S.RECEIVED) return 'stop';
    if (request.jobStepsDone.includes(step)) return 'done';
    const now = this.clock.now();
    if (step === 'start') {
      assertTransition(request.status, S.IN_PROGRESS);
      addRequestEvent(em, ctx, request, E.STARTED, now, { fromStatus: request.status, toStatus: S.IN_PROGRESS });
      request.status = S.IN_PROGRESS;
    } else if (step === 'complete') {
      assertTransition(request.status, S.COMPLETED);
      addRequestEvent(em, ctx, request, E.COMPLETED, now, { fromStatus: request.status, toStatus: S.COMPLETED });
      Object.assign(request, { status: S.COMPLETED, closedAt: now });
      await this.audit.record(ctx, [{ action: 'privacyRequest.complete', targetType: 'PrivacyRequest', targetId: request.id }], { em });
    } else {
      const details = (await processor.runStep(step, { ctx, em, request, now })) ?? {};
      addRequestEvent(em, ctx, request, E.STEP_COMPLETED, now, { details: { step, ...details } });
    }
    request.jobStepsDone = [...request.jobStepsDone, step];
    await em.flush();
    await this.stepHook?.(step, job);
    return 'done';
  }

  private async reject(em: EntityManager, ctx: RequestContext, job: ClaimedJob, reason: string): Promise<void> {
    const request = await em.findOne(DataSubjectRequest, { id: job.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!request || !isOpen(request.status)) return;
    const now = this.clock.now();
    assertTransition(request.status, S.REJECTED);
    addRequestEvent(em, ctx, request, E.REJECTED, now, { fromStatus: request.status, toStatus: S.REJECTED, note: reason });
    Object.assign(request, { status: S.REJECTED, rejectionReason: reason, closedAt: now });
    await em.flush();
  }

  /**
   * One transaction as the request's tenant, with a system actor, exactly as a request sets them. A user's own
   * request has no tenant: the job acts for that user (app.user_id), which is what the request's policy allows.
   */
  private inTransaction<T>(job: ClaimedJob, fn: (em: EntityManager, ctx: RequestContext) => Promise<T>): Promise<T> {
    const ctx = systemContext(PRIVACY_JOB_ACTOR, job.tenantId, PERMISSIONS);
    const em = tenantScopedFork(this.orm, job.tenantId, job.tenantId ? null : job.subjectUserId);
    return RequestContextStore.run(ctx, () => em.transactional((tx) => fn(tx, ctx)));
  }
}
