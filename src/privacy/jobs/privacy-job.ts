import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../../common/context/request-context.js';
import type { DataSubjectKind, DataSubjectRequest, DataSubjectRequestType } from '../requests/data-subject-request.entity.js';

/** What a step of a request's job works with: its own transaction, run as the request's tenant (or user). */
export interface PrivacyJob {
  ctx: RequestContext;
  em: EntityManager;
  request: DataSubjectRequest;
  now: Date;
}

/**
 * The work for one request type, as named steps between the runner's own `start` and `complete`. Each step runs in a
 * transaction of its own that also records the step as done, so a step's effects and its "done" mark commit together:
 * after a crash the job resumes at the first step not done, and no step runs twice.
 */
export interface PrivacyJobProcessor {
  readonly type: DataSubjectRequestType;
  readonly steps: readonly string[];
  /** The subjects it can serve (all when absent); requests about others stay VERIFIED until a person or a later job acts. */
  readonly subjects?: readonly DataSubjectKind[];
  /** Runs one step; what it returns is kept in the step's event (e.g. the fields changed). */
  runStep(step: string, job: PrivacyJob): Promise<Record<string, unknown> | undefined>;
}

export const PRIVACY_JOB_PROCESSORS = Symbol('PRIVACY_JOB_PROCESSORS');

/** Thrown by a step when the request can not be honoured at all (the person's record is gone): it is rejected. */
export class PrivacyJobRejection extends Error {}

/** The job queue's kind for a request's background work, keyed by the request's id. */
export const PRIVACY_REQUEST_JOB = { name: 'privacy-request' } as const;
