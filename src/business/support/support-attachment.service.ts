import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { LockMode, RequestContext as OrmRequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { isUUID } from 'class-validator';
import type { RequestContext } from '../../common/context/request-context.js';
import { AppError, ErrorCode, badInput, notFound } from '../../common/errors/app-errors.js';
import { AppConfig } from '../../config/app-config.js';
import { mediaTypeOf, parseFileName, readLimited, tooLarge } from './support-attachment.files.js';
import { SupportAttachment, SupportRequest } from './support-request.entity.js';
import { assertOpenForMessages } from './support-request.service.js';
import { SupportStaffAuditLog } from './support-staff-audit.js';
import { AuditLog } from '../../audit/index.js';
import { STAFF_READ, isSupportStaff, userIdOf } from './support-threads.js';
import { SupportAttachmentType } from './support.types.js';

export interface Upload {
  contentType: string | undefined;
  contentLength: string | undefined;
  fileName: string | string[] | undefined;
  body: Readable;
}

export interface Download {
  fileName: string;
  contentType: string;
  content: Buffer;
}

/**
 * Files sent to support, over REST (JSON bodies are limited to BODY_LIMIT). REST requests are not wrapped in the
 * GraphQL operation's transaction, so writes here run in an explicit transaction on the request's EntityManager,
 * which TenantSessionMiddleware opened with the caller's row-level security session.
 */
@Injectable()
export class SupportAttachmentService {
  constructor(
    private readonly config: AppConfig,
    private readonly audit: SupportStaffAuditLog,
    private readonly trail: AuditLog,
  ) {}

  async upload(ctx: RequestContext, requestId: string, upload: Upload): Promise<SupportAttachmentType> {
    const uploadedByUserId = userIdOf(ctx);
    if (!isUUID(requestId)) throw notFound('Support request');
    // Everything that can be judged from the headers is, before a byte of the body is read.
    const contentType = mediaTypeOf(upload.contentType);
    const allowed = this.config.supportAttachmentTypes;
    if (!allowed.has(contentType)) {
      throw new AppError(ErrorCode.UNSUPPORTED_FILE_TYPE, `Files of type "${contentType || '(none)'}" are not accepted.`, {
        allowedTypes: [...allowed],
      });
    }
    const fileName = parseFileName(upload.fileName);
    const maxBytes = this.config.SUPPORT_ATTACHMENT_MAX_BYTES;
    const declared = upload.contentLength === undefined ? undefined : Number(upload.contentLength);
    if (declared !== undefined && declared > maxBytes) throw tooLarge(maxBytes);
    if (declared === 0) throw emptyFile();

    const em = requestEntityManager();
    this.assertRoom(await em.findOne(SupportRequest, { id: requestId }), await em.count(SupportAttachment, { request: requestId }));

    const content = await readLimited(upload.body, maxBytes);
    if (content === null) throw tooLarge(maxBytes);
    if (content.length === 0) throw emptyFile();
    const sha256 = createHash('sha256').update(content).digest('hex');

    const attachment = await em.transactional(async (tx) => {
      // Locked and checked again: concurrent uploads must not pass the per-request limit together.
      const request = await tx.findOne(SupportRequest, { id: requestId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      this.assertRoom(request, await tx.count(SupportAttachment, { request: requestId }));
      const created = tx.create(SupportAttachment, {
        request,
        fileName,
        contentType,
        sizeBytes: content.length,
        sha256,
        content,
        uploadedByUserId,
      });
      request.lastActivityAt = new Date();
      await this.trail.record(ctx, [{ action: 'uploadSupportAttachment', targetType: 'SupportAttachment', targetId: created.id }], { em: tx });
      return created;
    });
    return SupportAttachmentType.from(attachment);
  }

  /** For a member of the attachment's tenant, or support staff (logged). */
  async download(ctx: RequestContext, attachmentId: string): Promise<Download> {
    // The access policy admits only support staff and members of the active tenant.
    const staff = isSupportStaff(ctx);
    if (!isUUID(attachmentId)) throw notFound('Attachment');
    const attachment = await requestEntityManager().findOne(SupportAttachment, { id: attachmentId }, { ...(staff ? STAFF_READ : {}), populate: ['content'] });
    if (!attachment) throw notFound('Attachment');
    if (staff) {
      // REST runs outside the GraphQL transaction: the entry gets one of its own, and the file is served only once it is written.
      await requestEntityManager().transactional((tx) =>
        this.audit.read(ctx, 'downloadSupportAttachment', [{ supportRequestId: attachment.request.id, tenantId: attachment.tenantId }], tx),
      );
    }
    return { fileName: attachment.fileName, contentType: attachment.contentType, content: attachment.content };
  }

  private assertRoom(request: SupportRequest | null, count: number): asserts request is SupportRequest {
    if (!request) throw notFound('Support request');
    assertOpenForMessages(request);
    const max = this.config.SUPPORT_ATTACHMENTS_PER_REQUEST;
    if (count >= max) {
      throw badInput(`A support request can have at most ${max} attachments.`, { maxAttachments: max });
    }
  }
}

function emptyFile(): AppError {
  return badInput('The file is empty.', { fields: [{ field: 'body', problems: ['the file is empty'] }] });
}

/** The request's EntityManager, bound by TenantSessionMiddleware with the caller's row-level security session. */
function requestEntityManager(): EntityManager {
  const em = OrmRequestContext.getEntityManager();
  if (!(em instanceof EntityManager)) throw new Error('No request EntityManager: TenantSessionMiddleware must run for /support routes.');
  return em as EntityManager;
}
