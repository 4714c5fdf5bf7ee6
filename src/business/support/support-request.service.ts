import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { TenantContext } from '../../common/context/request-context.js';
import { AppError, ErrorCode, notFound } from '../../common/errors/app-errors.js';
import { keysetQuery, toPage, keysetRequest, parseDateKey } from '../../common/pagination/keyset.js';
import { SupportReply, SupportRequest, SupportRequestStatus } from './support-request.entity.js';
import type { CreateSupportRequestInput, ReplyToSupportRequestInput, SupportRequestFilter, SupportRequestsArgs } from './support.inputs.js';
import { SupportThreads, userIdOf } from './support-threads.js';
import { SupportRequestType } from './support.types.js';
import type { Page } from '../../common/pagination/connection.types.js';

/** CLOSED is final: nothing more is written to a closed thread. */
export function assertOpenForMessages(request: SupportRequest): void {
  if (request.status === SupportRequestStatus.CLOSED) {
    throw new AppError(ErrorCode.INVALID_TRANSITION, 'This support request is closed; open a new one.', { status: request.status });
  }
}

export function filterOf(filter: SupportRequestFilter | undefined): FilterQuery<SupportRequest> {
  return filter?.status ? { status: filter.status } : {};
}

/**
 * The tenant's side of support: members write to PromoX support and read their tenant's requests. Scoped to the
 * context's tenant like every tenant-owned read.
 */
@Injectable()
export class SupportRequestService {
  constructor(
    private readonly em: EntityManager,
    private readonly threads: SupportThreads,
  ) {}

  async create(ctx: TenantContext, input: CreateSupportRequestInput): Promise<SupportRequestType> {
    const request = this.em.create(SupportRequest, {
      subject: input.subject,
      body: input.body,
      createdByUserId: userIdOf(ctx),
      lastActivityAt: new Date(),
    });
    await this.em.flush();
    return this.node(request);
  }

  async get(ctx: TenantContext, id: string): Promise<SupportRequestType> {
    return this.node(await this.findOrFail(ctx, id));
  }

  /** Newest first. */
  async list(ctx: TenantContext, args: SupportRequestsArgs): Promise<Page<SupportRequestType>> {
    const request = keysetRequest(args);
    const keyset = keysetQuery({ field: 'createdAt', descending: true, parseKey: parseDateKey }, request);
    const filter: FilterQuery<SupportRequest> = { $and: [{ tenantId: ctx.tenantId }, filterOf(args.filter)] };
    const rows = await this.em.find(
      SupportRequest,
      { $and: [filter, keyset.where as FilterQuery<SupportRequest>] },
      { orderBy: keyset.orderBy, limit: request.limit + 1 },
    );
    const lookups = this.threads.lookups(
      rows.map((row) => row.id),
      false,
    );
    return toPage(
      request,
      rows,
      (row) => ({ key: row.createdAt.toISOString(), id: row.id }),
      (row) => SupportRequestType.from(row, lookups),
      () => this.em.count(SupportRequest, filter),
    );
  }

  /** A member's message: the request waits for support again (OPEN). */
  async reply(ctx: TenantContext, input: ReplyToSupportRequestInput): Promise<SupportRequestType> {
    const authorUserId = userIdOf(ctx);
    const request = await this.findOrFail(ctx, input.id, true);
    assertOpenForMessages(request);
    this.em.create(SupportReply, { request, body: input.body, authorUserId, fromSupportStaff: false });
    request.status = SupportRequestStatus.OPEN;
    request.lastActivityAt = new Date();
    await this.em.flush();
    return this.node(request);
  }

  async close(ctx: TenantContext, id: string): Promise<SupportRequestType> {
    const request = await this.findOrFail(ctx, id, true);
    if (request.status === SupportRequestStatus.CLOSED) {
      throw new AppError(ErrorCode.INVALID_TRANSITION, 'This support request is already closed.', { status: request.status });
    }
    request.status = SupportRequestStatus.CLOSED;
    await this.em.flush();
    return this.node(request);
  }

  /** `lock` holds the row for the rest of the operation's transaction, so concurrent replies and closing serialise. */
  private async findOrFail(ctx: TenantContext, id: string, lock = false): Promise<SupportRequest> {
    const request = await this.em.findOne(SupportRequest, { id, tenantId: ctx.tenantId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!request) throw notFound('Support request');
    return request;
  }

  private node(request: SupportRequest): SupportRequestType {
    return SupportRequestType.from(request, this.threads.lookups([request.id], false));
  }
}
