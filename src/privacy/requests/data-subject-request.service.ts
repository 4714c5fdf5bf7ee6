import { Injectable } from '@nestjs/common';
import { LockMode, type FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { advisoryXactLock } from '../../database/advisory-lock.js';
import { AccountErasure, PrivacyDeadlineRule, RECTIFIABLE_USER_FIELDS, TenantService } from '../../accounts/index.js';
import { AuditLog } from '../../audit/index.js';
import { ContactService, RECTIFIABLE_CONTACT_FIELDS } from '../../business/contacts/index.js';
import type { RequestContext, TenantContext } from '../../common/context/request-context.js';
import { AppError, badInput, conflict, ErrorCode, notFound } from '../../common/errors/app-errors.js';
import type { Page } from '../../common/pagination/connection.types.js';
import { keysetQuery, keysetRequest, parseDateKey, toPage } from '../../common/pagination/keyset.js';
import { Clock } from '../../common/time/clock.js';
import { JobQueue, type JobState } from '../../database/job-queue/job-queue.js';
import { JobStatus } from '../../database/job-queue/job.entity.js';
import { PRIVACY_REQUEST_JOB } from '../jobs/privacy-job.js';
import {
  DataSubjectKind,
  DataSubjectRequest,
  DataSubjectRequestStatus as S,
  DataSubjectRequestType,
  IdentityVerificationMethod,
  OPEN_STATUSES,
  type RectificationChanges,
} from './data-subject-request.entity.js';
import { DataSubjectRequestEvent, DataSubjectRequestEventKind as E } from './data-subject-request-event.entity.js';
import { addRequestEvent, type EventFacts } from './data-subject-request.events.js';
import type {
  CancelPrivacyRequestInput,
  ExtendPrivacyRequestDeadlineInput,
  FilePrivacyRequestInput,
  PrivacyRequestFilter,
  PrivacyRequestsArgs,
  RectificationChangesInput,
  RejectPrivacyRequestInput,
  RetryPrivacyRequestInput,
  VerifyPrivacyRequestInput,
} from './data-subject-request.inputs.js';
import { ownershipTransferRequired } from '../erasure/account-ownership.rules.js';
import { assertTransition, dueDate, isOpen, latestExtendedDueDate } from './data-subject-request.rules.js';
import { PrivacyRequestType } from './data-subject-request.types.js';

const NAME_FIELDS = new Set(['fullName', 'firstName', 'lastName']);

/** The changes given for a subject kind, refusing fields it does not have; at least one is required. */
function rectificationChanges(kind: DataSubjectKind, input: RectificationChangesInput | undefined): RectificationChanges {
  const allowed: readonly string[] = kind === DataSubjectKind.USER ? RECTIFIABLE_USER_FIELDS : RECTIFIABLE_CONTACT_FIELDS;
  const changes: RectificationChanges = {};
  for (const [field, value] of Object.entries(input ?? {}) as [string, string | null | undefined][]) {
    if (value === undefined) continue;
    if (!allowed.includes(field)) {
      throw badInput(`A ${kind === DataSubjectKind.USER ? 'user' : 'contact'} rectification can change ${allowed.join(', ')}; not ${field}.`, { field });
    }
    if (value === null && NAME_FIELDS.has(field)) throw badInput(`${field} can be corrected but not cleared.`, { field });
    changes[field] = value;
  }
  if (Object.keys(changes).length === 0) throw badInput('Name at least one field to correct.');
  return changes;
}

/**
 * Data-subject requests: filing (users for themselves, members for their tenant's contacts), merging duplicates,
 * verification, rejection, cancellation, deadline extension, and their event history. The background work on a
 * verified request is the job runner's (PrivacyJobRunner).
 */
@Injectable()
export class DataSubjectRequestService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly tenants: TenantService,
    private readonly contacts: ContactService,
    private readonly accounts: AccountErasure,
    private readonly audit: AuditLog,
    private readonly jobs: JobQueue,
  ) {}

  // ---- users' own requests: platform-level, verified by their session ----

  async fileForUser(ctx: RequestContext, type: DataSubjectRequestType, changesInput?: RectificationChangesInput): Promise<PrivacyRequestType> {
    const userId = this.userOf(ctx);
    // Staff sessions run under the support role, which reaches only support tables: a staff member asks as a person,
    // through PromoX's privacy contact, not through their staff account.
    if (ctx.actor.kind === 'user' && ctx.actor.platformRole !== undefined) {
      throw new AppError(ErrorCode.FORBIDDEN, 'PromoX staff accounts can not file privacy requests; ask the privacy team directly.');
    }
    const changes = type === DataSubjectRequestType.RECTIFICATION ? rectificationChanges(DataSubjectKind.USER, changesInput) : undefined;
    if (type === DataSubjectRequestType.ERASURE) {
      // Refused up front rather than accepted and rejected later: the person can act on it at once.
      const handovers = await this.accounts.handoversNeeded(userId);
      if (handovers.length > 0) throw ownershipTransferRequired(handovers);
    }
    const request = await this.fileOrMerge(ctx, {
      kind: DataSubjectKind.USER,
      subjectId: userId,
      type,
      changes,
      tenantId: null,
      rule: PrivacyDeadlineRule.GDPR_ONE_MONTH,
      verifyBySession: true,
    });
    // A user's request concerns their platform account, not the tenant they happen to act in: the platform's trail.
    await this.audit.record(ctx, [{ action: `privacyRequest.file${type}`, targetType: 'PrivacyRequest', targetId: request.id, tenantId: null }], {
      coversOperation: true,
    });
    return this.view(request);
  }

  async listMine(ctx: RequestContext): Promise<PrivacyRequestType[]> {
    const userId = this.userOf(ctx);
    if (ctx.actor.kind === 'user' && ctx.actor.platformRole !== undefined) return [];
    const rows = await this.em.find(
      DataSubjectRequest,
      { ownerTenantId: null, subjectUserId: userId },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 100 },
    );
    return this.views(rows);
  }

  // ---- contacts' requests: filed and handled by the tenant's members with PRIVACY_MANAGE ----

  async fileForContact(ctx: TenantContext, input: FilePrivacyRequestInput): Promise<PrivacyRequestType> {
    if (input.type !== DataSubjectRequestType.RECTIFICATION && input.changes) {
      throw badInput('changes are only for RECTIFICATION requests.', { field: 'changes' });
    }
    const changes = input.type === DataSubjectRequestType.RECTIFICATION ? rectificationChanges(DataSubjectKind.CONTACT, input.changes) : undefined;
    const contact = await this.contacts.require(ctx, input.contactId);
    const request = await this.fileOrMerge(ctx, {
      kind: DataSubjectKind.CONTACT,
      subjectId: contact.id,
      type: input.type,
      changes,
      tenantId: ctx.tenantId,
      rule: await this.tenants.privacyDeadlineRule(ctx),
      verifyBySession: false,
      note: input.note ?? undefined,
    });
    return this.view(request);
  }

  async get(ctx: TenantContext, id: string): Promise<PrivacyRequestType> {
    return this.view(await this.requireForTenant(ctx, id));
  }

  async list(ctx: TenantContext, args: PrivacyRequestsArgs): Promise<Page<PrivacyRequestType>> {
    const now = this.clock.now();
    const request = keysetRequest(args);
    const keyset = keysetQuery({ field: 'createdAt', descending: true, parseKey: parseDateKey }, request);
    const where: FilterQuery<DataSubjectRequest> = { $and: [{ ownerTenantId: ctx.tenantId }, ...this.filterOf(args.filter, now)] };
    const rows = await this.em.find(
      DataSubjectRequest,
      { $and: [where, keyset.where as FilterQuery<DataSubjectRequest>] },
      {
        orderBy: keyset.orderBy,
        limit: request.limit + 1,
      },
    );
    const events = await this.eventsOf(rows.slice(0, request.limit));
    const jobs = await this.jobsOf(rows.slice(0, request.limit));
    return toPage(
      request,
      rows,
      (row) => ({ key: row.createdAt.toISOString(), id: row.id }),
      (row) => PrivacyRequestType.from(row, now, events.get(row.id) ?? [], jobs.get(row.id)),
      () => this.em.count(DataSubjectRequest, where),
    );
  }

  async verify(ctx: TenantContext, input: VerifyPrivacyRequestInput): Promise<PrivacyRequestType> {
    if (input.method === IdentityVerificationMethod.SESSION) {
      throw badInput("SESSION verification is for users' own requests; say how the person's identity was checked.", { field: 'method' });
    }
    const request = await this.requireForTenant(ctx, input.id, { lock: true });
    const now = this.clock.now();
    this.move(ctx, request, S.VERIFIED, E.VERIFIED, { note: input.note });
    Object.assign(request, {
      verifiedAt: now,
      verificationMethod: input.method,
      verificationNote: input.note,
      verifiedByUserId: this.userOf(ctx),
    });
    await this.em.flush();
    await this.enqueueJob(request);
    return this.view(request);
  }

  async reject(ctx: TenantContext, input: RejectPrivacyRequestInput): Promise<PrivacyRequestType> {
    const request = await this.requireForTenant(ctx, input.id, { lock: true });
    this.move(ctx, request, S.REJECTED, E.REJECTED, { note: input.reason });
    Object.assign(request, { rejectionReason: input.reason, closedAt: this.clock.now() });
    await this.em.flush();
    await this.jobs.cancel(this.em, PRIVACY_REQUEST_JOB, request.id);
    return this.view(request);
  }

  async cancel(ctx: TenantContext, input: CancelPrivacyRequestInput): Promise<PrivacyRequestType> {
    const request = await this.requireForTenant(ctx, input.id, { lock: true });
    this.move(ctx, request, S.CANCELLED, E.CANCELLED, { note: input.reason ?? undefined });
    Object.assign(request, { closedAt: this.clock.now() });
    await this.em.flush();
    await this.jobs.cancel(this.em, PRIVACY_REQUEST_JOB, request.id);
    return this.view(request);
  }

  /**
   * Puts a job that gave up (PRIVACY_JOB_MAX_ATTEMPTS failed attempts) back in the queue with a fresh count of
   * attempts; its last error stays visible until a run succeeds. Only a job that is waiting for a person can be retried.
   */
  async retry(ctx: TenantContext, input: RetryPrivacyRequestInput): Promise<PrivacyRequestType> {
    const request = await this.requireForTenant(ctx, input.id, { lock: true });
    const job = (await this.jobs.states(this.em, PRIVACY_REQUEST_JOB, [request.id])).get(request.id);
    if ((request.status !== S.VERIFIED && request.status !== S.IN_PROGRESS) || job?.status !== JobStatus.GAVE_UP) {
      throw new AppError(ErrorCode.INVALID_TRANSITION, 'Only a job that gave up after its last attempt can be retried.', { from: request.status });
    }
    this.addEvent(ctx, request, E.RETRIED, { note: input.note ?? undefined, details: { previousAttempts: job.attempts } });
    request.handledByUserId = this.userOf(ctx);
    await this.em.flush();
    await this.jobs.restart(this.em, PRIVACY_REQUEST_JOB, request.id);
    return this.view(request);
  }

  async extendDeadline(ctx: TenantContext, input: ExtendPrivacyRequestDeadlineInput): Promise<PrivacyRequestType> {
    const request = await this.requireForTenant(ctx, input.id, { lock: true });
    if (!isOpen(request.status)) {
      throw new AppError(ErrorCode.INVALID_TRANSITION, `A ${request.status} request has no deadline to extend.`, { from: request.status });
    }
    if (request.extendedAt) {
      throw new AppError(ErrorCode.INVALID_TRANSITION, 'The deadline was already extended once; it can be extended only once.');
    }
    const latest = latestExtendedDueDate(request.deadlineRule, request.originalDueAt);
    if (input.dueAt.getTime() <= request.dueAt.getTime()) {
      throw badInput('The new due date must be later than the current one.', { field: 'dueAt' });
    }
    if (input.dueAt.getTime() > latest.getTime()) {
      throw badInput(`The deadline can be extended to ${latest.toISOString()} at the latest.`, { field: 'dueAt', latest: latest.toISOString() });
    }
    this.addEvent(ctx, request, E.DEADLINE_EXTENDED, {
      note: input.reason,
      details: { from: request.dueAt.toISOString(), to: input.dueAt.toISOString() },
    });
    Object.assign(request, {
      dueAt: input.dueAt,
      extendedAt: this.clock.now(),
      extensionReason: input.reason,
      handledByUserId: this.userOf(ctx),
    });
    await this.em.flush();
    return this.view(request);
  }

  // ---- shared ----

  /**
   * Files a request, or merges it into the open one of the same type for the same subject. An advisory lock on the
   * (subject, type) pair serialises concurrent filings, so the second finds the first instead of hitting the unique
   * index (which would abort the whole operation).
   */
  private async fileOrMerge(
    ctx: RequestContext,
    spec: {
      kind: DataSubjectKind;
      subjectId: string;
      type: DataSubjectRequestType;
      changes?: RectificationChanges;
      tenantId: string | null;
      rule: PrivacyDeadlineRule;
      verifyBySession: boolean;
      note?: string;
    },
  ): Promise<DataSubjectRequest> {
    const subjectKey = `${spec.kind === DataSubjectKind.USER ? 'user' : 'contact'}:${spec.subjectId}`;
    await advisoryXactLock(this.em, `privacy-request:${subjectKey}:${spec.type}`);
    const existing = await this.em.findOne(
      DataSubjectRequest,
      { subjectKey, type: spec.type, status: { $in: [...OPEN_STATUSES] } },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (existing) {
      if (spec.changes) {
        // Work on the earlier changes has begun: merging now could leave half of them unapplied.
        if (existing.status === S.IN_PROGRESS) {
          throw conflict('A rectification for this person is being applied; file the new corrections once it completes.');
        }
        existing.changes = { ...(existing.changes ?? {}), ...spec.changes };
      }
      this.addEvent(ctx, existing, E.MERGED, {
        note: spec.note,
        details: spec.changes ? { changes: Object.entries(spec.changes).map(([field, value]) => ({ field, old: null, new: value })) } : undefined,
      });
      await this.em.flush();
      return existing;
    }
    const now = this.clock.now();
    const due = dueDate(spec.rule, now);
    const request = this.em.create(DataSubjectRequest, {
      ownerTenantId: spec.tenantId ?? undefined,
      type: spec.type,
      subjectKind: spec.kind,
      subjectUserId: spec.kind === DataSubjectKind.USER ? spec.subjectId : undefined,
      subjectContactId: spec.kind === DataSubjectKind.CONTACT ? spec.subjectId : undefined,
      subjectKey,
      changes: spec.changes,
      receivedAt: now,
      deadlineRule: spec.rule,
      dueAt: due,
      originalDueAt: due,
      filedByUserId: ctx.actor.kind === 'user' ? ctx.actor.userId : undefined,
      handledByUserId: ctx.actor.kind === 'user' ? ctx.actor.userId : undefined,
    });
    this.addEvent(ctx, request, E.RECEIVED, { toStatus: S.RECEIVED, note: spec.note });
    if (spec.verifyBySession) {
      this.move(ctx, request, S.VERIFIED, E.VERIFIED, { note: 'Filed by the signed-in user.' });
      Object.assign(request, {
        verifiedAt: now,
        verificationMethod: IdentityVerificationMethod.SESSION,
        verifiedByUserId: this.userOf(ctx),
      });
    }
    await this.em.flush();
    if (spec.verifyBySession) await this.enqueueJob(request);
    return request;
  }

  private move(ctx: RequestContext, request: DataSubjectRequest, to: S, kind: E, extra: { note?: string } = {}): void {
    assertTransition(request.status, to);
    this.addEvent(ctx, request, kind, { fromStatus: request.status, toStatus: to, note: extra.note });
    request.status = to;
    if (ctx.actor.kind === 'user') request.handledByUserId = ctx.actor.userId;
  }

  private addEvent(ctx: RequestContext, request: DataSubjectRequest, kind: E, facts: EventFacts = {}): void {
    addRequestEvent(this.em, ctx, request, kind, this.clock.now(), facts);
  }

  /** A request of the context's tenant; other tenants' ids and users' own requests read as not found. */
  private async requireForTenant(ctx: TenantContext, id: string, options: { lock?: boolean } = {}): Promise<DataSubjectRequest> {
    const request = await this.em.findOne(
      DataSubjectRequest,
      { id, ownerTenantId: ctx.tenantId },
      options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
    );
    if (!request) throw notFound('Privacy request');
    return request;
  }

  private filterOf(filter: PrivacyRequestFilter | undefined, now: Date): FilterQuery<DataSubjectRequest>[] {
    const where: FilterQuery<DataSubjectRequest>[] = [];
    if (filter?.status) where.push({ status: filter.status });
    if (filter?.type) where.push({ type: filter.type });
    if (filter?.contactId) where.push({ subjectContactId: filter.contactId });
    const overdue: FilterQuery<DataSubjectRequest> = { status: { $in: [...OPEN_STATUSES] }, dueAt: { $lt: now } };
    if (filter?.overdue === true) where.push(overdue);
    if (filter?.overdue === false) where.push({ $not: overdue });
    return where;
  }

  private async eventsOf(requests: DataSubjectRequest[]): Promise<Map<string, DataSubjectRequestEvent[]>> {
    const byRequest = new Map<string, DataSubjectRequestEvent[]>();
    if (requests.length === 0) return byRequest;
    const events = await this.em.find(DataSubjectRequestEvent, { request: { $in: requests.map((r) => r.id) } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    for (const event of events) byRequest.set(event.request.id, [...(byRequest.get(event.request.id) ?? []), event]);
    return byRequest;
  }

  private async view(request: DataSubjectRequest): Promise<PrivacyRequestType> {
    return (await this.views([request]))[0];
  }

  private async views(requests: DataSubjectRequest[]): Promise<PrivacyRequestType[]> {
    const events = await this.eventsOf(requests);
    const jobs = await this.jobsOf(requests);
    const now = this.clock.now();
    return requests.map((r) => PrivacyRequestType.from(r, now, events.get(r.id) ?? [], jobs.get(r.id)));
  }

  /** The state of the requests' jobs (attempts, last error, next run), as this session may see them. */
  private jobsOf(requests: DataSubjectRequest[]): Promise<Map<string, JobState>> {
    return this.jobs.states(
      this.em,
      PRIVACY_REQUEST_JOB,
      requests.map((r) => r.id),
    );
  }

  /** A verified request's background work, in the transaction that verified it: it runs as the request's owner. */
  private async enqueueJob(request: DataSubjectRequest): Promise<void> {
    const tenantId = request.ownerTenantId ?? null;
    await this.jobs.enqueue(this.em, PRIVACY_REQUEST_JOB, { key: request.id, tenantId, userId: tenantId ? null : (request.subjectUserId ?? null) });
  }

  private userOf(ctx: RequestContext): string {
    if (ctx.actor.kind !== 'user') throw new AppError(ErrorCode.FORBIDDEN, 'Only a signed-in person can do this.');
    return ctx.actor.userId;
  }
}
