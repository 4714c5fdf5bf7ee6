import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LockMode } from '@mikro-orm/core';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { describeJobError } from '../../common/errors/job-error.js';
import { PeriodicTask } from '../../common/time/periodic-task.js';
import { AuditLog } from '../../audit/audit-log.service.js';
import { Permission } from '../../common/authorization/permission.js';
import { RequestContextStore, systemContext, type RequestContext } from '../../common/context/request-context.js';
import { Clock } from '../../common/time/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { maintenanceFork, tenantScopedFork } from '../../database/tenant-session.js';
import { DataSubjectRequest, DataSubjectRequestStatus as S, type DataSubjectKind, type DataSubjectRequestType } from '../requests/data-subject-request.entity.js';
import { DataSubjectRequestEventKind as E } from '../requests/data-subject-request-event.entity.js';
import { addRequestEvent } from '../requests/data-subject-request.events.js';
import { assertTransition, isOpen } from '../requests/data-subject-request.rules.js';
import { PRIVACY_JOB_PROCESSORS, PrivacyJobRejection, type PrivacyJobProcessor } from './privacy-job.js';

export const PRIVACY_JOB_ACTOR = 'privacy-jobs';
/** A runner holds a claimed job this long; if it dies meanwhile, another runner takes the job over afterwards. */
export const JOB_LEASE_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 60 * 60_000;
const PERMISSIONS = new Set([Permission.PRIVACY_MANAGE, Permission.CLIENTS_WRITE, Permission.PII_READ]);

/** A job taken by this runner: the request and what is needed to act as its tenant (or user). */
export interface ClaimedJob {
  id: string;
  tenantId: string | null;
  subjectUserId: string | null;
  subjectKind: DataSubjectKind;
  type: DataSubjectRequestType;
  attempt: number;
}

type StepOutcome = 'done' | 'stop';

/**
 * Runs the background work of verified privacy requests. The queue is the request table itself: a request is due
 * when it is VERIFIED or IN_PROGRESS, has a processor for its type, and `next_attempt_at` has passed. A runner claims
 * one with `for update skip locked` (so instances never take the same job) and a lease, then runs its steps, each in
 * a transaction of its own as the request's tenant, exactly as a request would. Failures are recorded on the request
 * (`attempts`, `lastError`, an ATTEMPT_FAILED event) and retried with exponential backoff until PRIVACY_JOB_MAX_ATTEMPTS.
 */
@Injectable()
export class PrivacyJobRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PrivacyJobRunner');
  private readonly processors: readonly PrivacyJobProcessor[];
  private readonly schedule = new PeriodicTask('Privacy jobs', this.logger, () => this.runDue());

  /** Tests only: called inside each step's transaction after its work, before the commit; throwing fails the step. */
  stepHook?: (step: string, job: ClaimedJob) => void | Promise<void>;

  constructor(
    private readonly orm: MikroORM,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    @Inject(PRIVACY_JOB_PROCESSORS) processors: PrivacyJobProcessor[],
  ) {
    this.processors = processors;
  }

  onApplicationBootstrap(): void {
    this.schedule.start(this.config.PRIVACY_JOB_INTERVAL_SECONDS * 1000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }

  /** Runs due jobs one after another until none is due (or `limit` ran); returns how many ran. */
  async runDue(limit = 100): Promise<number> {
    let ran = 0;
    while (ran < limit) {
      const job = await this.claim();
      if (!job) break;
      await this.process(job);
      ran += 1;
    }
    return ran;
  }

  /** Takes the next due job, counting the attempt and leasing it to this runner. Runs as crm_maintenance. */
  async claim(): Promise<ClaimedJob | null> {
    const processors = this.processors;
    if (processors.length === 0) return null;
    // Per processor: its type, and the subject kinds it serves when it names them.
    const served = processors.map((p) => (p.subjects ? `(type::text = ? and subject_kind::text in (${p.subjects.map(() => '?').join(', ')}))` : '(type::text = ?)'));
    const servedParams = processors.flatMap((p) => [p.type, ...(p.subjects ?? [])]);
    const now = this.clock.now();
    const rows = await maintenanceFork(this.orm).transactional((tx) =>
      tx.execute<{ id: string; tenant_id: string | null; subject_user_id: string | null; subject_kind: DataSubjectKind; type: DataSubjectRequestType; attempts: number }[]>(
        `update data_subject_request set locked_until = ?, attempts = attempts + 1
          where id = (select id from data_subject_request
                       where status in ('VERIFIED', 'IN_PROGRESS') and (${served.join(' or ')})
                         and next_attempt_at <= ? and (locked_until is null or locked_until < ?)
                       order by next_attempt_at, id limit 1 for update skip locked)
          returning id, tenant_id, subject_user_id, subject_kind, type, attempts`,
        [new Date(now.getTime() + JOB_LEASE_MS), ...servedParams, now, now],
      ),
    );
    const row = rows[0];
    return row
      ? { id: row.id, tenantId: row.tenant_id, subjectUserId: row.subject_user_id, subjectKind: row.subject_kind, type: row.type, attempt: row.attempts }
      : null;
  }

  /** Runs the job's steps not yet done. Returns whether it finished (completed, or closed meanwhile). */
  async process(job: ClaimedJob): Promise<boolean> {
    // One processor per type and subject kind: a user's erasure is other work than a contact's.
    const processor = this.processors.find((p) => p.type === job.type && (!p.subjects || p.subjects.includes(job.subjectKind)));
    if (!processor) return false;
    const steps = ['start', ...processor.steps, 'complete'];
    for (const step of steps) {
      try {
        const outcome = await this.inTransaction(job, (em, ctx) => this.runStep(em, ctx, job, processor, step));
        if (outcome === 'stop') return true;
      } catch (error) {
        if (error instanceof PrivacyJobRejection) {
          await this.inTransaction(job, (em, ctx) => this.reject(em, ctx, job, error.message));
          return true;
        }
        await this.recordFailure(job, step, error);
        return false;
      }
    }
    return true;
  }

  private async runStep(em: EntityManager, ctx: RequestContext, job: ClaimedJob, processor: PrivacyJobProcessor, step: string): Promise<StepOutcome> {
    const request = await em.findOne(DataSubjectRequest, { id: job.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    // Cancelled or rejected while waiting: nothing more to do.
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
      Object.assign(request, { status: S.COMPLETED, closedAt: now, nextAttemptAt: null, lockedUntil: null, lastError: null });
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
    Object.assign(request, { status: S.REJECTED, rejectionReason: reason, closedAt: now, nextAttemptAt: null, lockedUntil: null });
    await em.flush();
  }

  /** The attempt's failure, in a transaction of its own (the step's was rolled back): visible, and retried later. */
  private async recordFailure(job: ClaimedJob, step: string, error: unknown): Promise<void> {
    const message = describeJobError(error, this.logger, 'Privacy job');
    try {
      await this.inTransaction(job, async (em, ctx) => {
        const request = await em.findOne(DataSubjectRequest, { id: job.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!request) return;
        const now = this.clock.now();
        const last = request.attempts >= this.config.PRIVACY_JOB_MAX_ATTEMPTS;
        addRequestEvent(em, ctx, request, E.ATTEMPT_FAILED, now, { note: message, details: { step, attempt: request.attempts } });
        if (last) addRequestEvent(em, ctx, request, E.GAVE_UP, now, { note: `Stopped after ${request.attempts} attempts.` });
        const backoff = Math.min(BACKOFF_BASE_MS * 2 ** Math.max(request.attempts - 1, 0), BACKOFF_MAX_MS);
        Object.assign(request, {
          lastError: message,
          lockedUntil: null,
          nextAttemptAt: last ? null : new Date(now.getTime() + backoff),
        });
        await em.flush();
      });
    } catch (recordError) {
      // The lease still runs out, so the job is retried even when its failure could not be written.
      this.logger.error(`Recording a privacy job failure failed: ${recordError instanceof Error ? recordError.message : String(recordError)}`);
    }
  }


  /**
   * One transaction as the request's tenant, with a system actor, exactly as a request sets them. A user's own
   * request has no tenant: the job acts for that user (app.user_id), which is what the request's policy allows.
   */
  private inTransaction<T>(job: ClaimedJob, fn: (em: EntityManager, ctx: RequestContext) => Promise<T>): Promise<T> {
    const ctx = systemContext(PRIVACY_JOB_ACTOR, job.tenantId, PERMISSIONS);
    const em = tenantScopedFork(this.orm, job.tenantId, job.tenantId ? null : job.subjectUserId);
    return RequestContextStore.run(ctx, () => em.transactional((tx) => fn(tx as EntityManager, ctx)));
  }
}
