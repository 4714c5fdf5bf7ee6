import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { LockMode, type FilterQuery } from '@mikro-orm/core';
import { TenantService } from '../../accounts/index.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { notFound } from '../../common/errors/app-errors.js';
import { keysetQuery, toPage, keysetRequest, parseDateKey } from '../../common/pagination/keyset.js';
import { SupportReply, SupportRequest, SupportRequestStatus } from './support-request.entity.js';
import { assertOpenForMessages, filterOf } from './support-request.service.js';
import type { AnswerSupportRequestInput, SupportRequestsArgs } from './support.inputs.js';
import { SupportStaffAuditLog } from './support-staff-audit.js';
import { STAFF_READ, SupportThreads, userIdOf } from './support-threads.js';
import { StaffSupportRequestType } from './support.types.js';
import type { Page } from '../../common/pagination/connection.types.js';

/**
 * PromoX support staff: support requests of every tenant, and nothing else of theirs. Their requests run under the
 * database role crm_support (see TenantSessionMiddleware), whose only policies and grants are on the support tables
 * and the tenants' names. Every read is logged.
 */
@Injectable()
export class SupportStaffService {
  constructor(
    private readonly em: EntityManager,
    private readonly threads: SupportThreads,
    private readonly audit: SupportStaffAuditLog,
    private readonly tenants: TenantService,
  ) {}

  /** Across all tenants, longest-waiting first (oldest last activity). */
  async queue(ctx: RequestContext, args: SupportRequestsArgs): Promise<Page<StaffSupportRequestType>> {
    const request = keysetRequest(args);
    const keyset = keysetQuery({ field: 'lastActivityAt', descending: false, parseKey: parseDateKey }, request);
    const filter = filterOf(args.filter);
    const rows = await this.em.find(
      SupportRequest,
      { $and: [filter, keyset.where as FilterQuery<SupportRequest>] },
      { ...STAFF_READ, orderBy: keyset.orderBy, limit: request.limit + 1 },
    );
    const page = rows.slice(0, request.limit);
    const names = await this.tenantNames(page);
    const lookups = this.threads.lookups(
      page.map((row) => row.id),
      true,
    );
    await this.audit.read(
      ctx,
      'supportQueue',
      page.map((row) => ({ supportRequestId: row.id, tenantId: row.tenantId })),
    );
    return toPage(
      request,
      rows,
      (row) => ({ key: row.lastActivityAt.toISOString(), id: row.id }),
      (row) => StaffSupportRequestType.forStaff(row, lookups, names.get(row.tenantId) ?? ''),
      () => this.em.count(SupportRequest, filter, STAFF_READ),
    );
  }

  async get(ctx: RequestContext, id: string): Promise<StaffSupportRequestType> {
    const request = await this.findOrFail(id);
    await this.audit.read(ctx, 'supportRequestForStaff', [{ supportRequestId: request.id, tenantId: request.tenantId }]);
    return this.node(request);
  }

  /** A staff reply: the request is ANSWERED, waiting for the member. */
  async answer(ctx: RequestContext, input: AnswerSupportRequestInput): Promise<StaffSupportRequestType> {
    const authorUserId = userIdOf(ctx);
    const request = await this.findOrFail(input.id, true);
    assertOpenForMessages(request);
    // Staff act in no tenant: the reply belongs to the request's tenant, set explicitly.
    this.em.create(SupportReply, { tenantId: request.tenantId, request, body: input.body, authorUserId, fromSupportStaff: true });
    request.status = SupportRequestStatus.ANSWERED;
    request.lastActivityAt = new Date();
    await this.em.flush();
    await this.audit.read(ctx, 'answerSupportRequest', [{ supportRequestId: request.id, tenantId: request.tenantId }]);
    return this.node(request);
  }

  private async findOrFail(id: string, lock = false): Promise<SupportRequest> {
    const request = await this.em.findOne(SupportRequest, { id }, lock ? { ...STAFF_READ, lockMode: LockMode.PESSIMISTIC_WRITE } : STAFF_READ);
    if (!request) throw notFound('Support request');
    return request;
  }

  private async node(request: SupportRequest): Promise<StaffSupportRequestType> {
    const names = await this.tenantNames([request]);
    return StaffSupportRequestType.forStaff(request, this.threads.lookups([request.id], true), names.get(request.tenantId) ?? '');
  }

  /** Tenant names for a page, in one query. */
  private tenantNames(requests: readonly SupportRequest[]): Promise<Map<string, string>> {
    return this.tenants.names(requests.map((r) => r.tenantId));
  }
}
