import { Injectable } from '@nestjs/common';
import { UserProfiles } from '../../accounts/index.js';
import { AuditLog } from '../../audit/index.js';
import { ContactService } from '../../business/contacts/index.js';
import { asTenantContext } from '../../common/context/request-context.js';
import { AppError, ErrorCode } from '../../common/errors/app-errors.js';
import type { FieldChange } from '../../common/privacy/rectification.js';
import { DataSubjectKind, DataSubjectRequestType } from '../requests/data-subject-request.entity.js';
import { PrivacyJobRejection, type PrivacyJob, type PrivacyJobProcessor } from './privacy-job.js';

/**
 * Applies a verified rectification to the subject (a user's profile or a contact), through the owning module's
 * service. The old and new values are kept in the request's event history, which erasure can blank; the audit entry
 * records that the subject was rectified and by which request, but no values, because the hash-chained trail can not
 * be erased.
 */
@Injectable()
export class RectificationJob implements PrivacyJobProcessor {
  readonly type = DataSubjectRequestType.RECTIFICATION;
  readonly steps = ['apply'] as const;

  constructor(
    private readonly users: UserProfiles,
    private readonly contacts: ContactService,
    private readonly audit: AuditLog,
  ) {}

  async runStep(_step: string, { ctx, em, request }: PrivacyJob): Promise<Record<string, unknown>> {
    const changes = request.changes ?? {};
    const isUser = request.subjectKind === DataSubjectKind.USER;
    const subjectId = (isUser ? request.subjectUserId : request.subjectContactId) ?? '';
    let applied: FieldChange[];
    try {
      applied = isUser ? await this.users.rectify(subjectId, changes) : await this.contacts.rectify(asTenantContext(ctx), subjectId, changes);
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.NOT_FOUND) {
        throw new PrivacyJobRejection("The person's record no longer exists, so there is nothing to correct.");
      }
      throw error;
    }
    await this.audit.record(
      ctx,
      [
        {
          action: `privacyRequest.rectify:${applied.map((c) => c.field).join(',')}`,
          targetType: isUser ? 'User' : 'Contact',
          targetId: subjectId,
        },
        { action: 'privacyRequest.rectify', targetType: 'PrivacyRequest', targetId: request.id },
      ],
      { em },
    );
    return { changes: applied };
  }
}
