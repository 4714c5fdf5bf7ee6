import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { FindOptions } from '@mikro-orm/core';
import { PlatformRole } from '../../common/authorization/platform-role.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { forbidden } from '../../common/errors/app-errors.js';
import { TENANT_FILTER } from '../../database/tenant.filter.js';
import { SupportAttachment, SupportReply } from './support-request.entity.js';
import { SupportAttachmentType, SupportReplyType, type ThreadLookups } from './support.types.js';

/**
 * Reads by support staff: they act in no tenant, so the ORM's tenant filter (which would match nothing) is off, and
 * row-level security confines their database role (crm_support) to the support tables instead.
 */
export const STAFF_READ = { filters: { [TENANT_FILTER]: false } } as const;

export function isSupportStaff(ctx: RequestContext): boolean {
  return ctx.actor.kind === 'user' && ctx.actor.platformRole === PlatformRole.SUPPORT;
}

/** The signed-in user's id; support operations are for people, never API keys (the access policies say so too). */
export function userIdOf(ctx: RequestContext): string {
  if (ctx.actor.kind !== 'user') throw forbidden('API keys cannot perform this operation.');
  return ctx.actor.userId;
}

/** Replies and attachments for a set of support requests, one query per relation for the whole set. */
@Injectable()
export class SupportThreads {
  constructor(private readonly em: EntityManager) {}

  lookups(requestIds: readonly string[], staff: boolean): ThreadLookups {
    const ids = [...new Set(requestIds)];
    const options = staff ? STAFF_READ : {};
    let replies: Promise<Map<string, SupportReplyType[]>> | undefined;
    let attachments: Promise<Map<string, SupportAttachmentType[]>> | undefined;
    return {
      replies: async (requestId) => {
        replies ??= this.loadReplies(ids, options);
        return (await replies).get(requestId) ?? [];
      },
      attachments: async (requestId) => {
        attachments ??= this.loadAttachments(ids, options);
        return (await attachments).get(requestId) ?? [];
      },
    };
  }

  private async loadReplies(ids: string[], options: FindOptions<SupportReply>): Promise<Map<string, SupportReplyType[]>> {
    if (ids.length === 0) return new Map();
    const rows = await this.em.find(SupportReply, { request: { $in: ids } }, { ...options, orderBy: { createdAt: 'asc', id: 'asc' } });
    return groupByRequest(rows, SupportReplyType.from);
  }

  /** Metadata only: the bytes are a lazy property, read when a file is downloaded. */
  private async loadAttachments(ids: string[], options: FindOptions<SupportAttachment>): Promise<Map<string, SupportAttachmentType[]>> {
    if (ids.length === 0) return new Map();
    const rows = await this.em.find(SupportAttachment, { request: { $in: ids } }, { ...options, orderBy: { createdAt: 'asc', id: 'asc' } });
    return groupByRequest(rows, SupportAttachmentType.from);
  }
}

function groupByRequest<E extends { request: { id: string } }, T>(rows: E[], map: (row: E) => T): Map<string, T[]> {
  const byRequest = new Map<string, T[]>();
  for (const row of rows) {
    const list = byRequest.get(row.request.id) ?? [];
    list.push(map(row));
    byRequest.set(row.request.id, list);
  }
  return byRequest;
}
