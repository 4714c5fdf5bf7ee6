import { Injectable } from '@nestjs/common';
import { UserProfiles } from '../../accounts/index.js';
import { AuditLog } from '../../audit/index.js';
import { ContactService } from '../../business/contacts/index.js';
import { asTenantContext } from '../../common/context/request-context.js';
import { AppError, ErrorCode } from '../../common/errors/app-errors.js';
import { ConsentService } from '../../consent/index.js';
import { SubjectIdentifierReader } from '../erasure/subject-identifiers.reader.js';
import { DataSubjectKind, DataSubjectRequestType } from '../requests/data-subject-request.entity.js';
import { PrivacyJobRejection, type PrivacyJob, type PrivacyJobProcessor } from './privacy-job.js';

/**
 * An objection to marketing: withdraws every marketing purpose in the subject's ledger (source DATA_SUBJECT_REQUEST)
 * and puts every email and phone they were known by (current, and those their rectifications replaced) on the
 * suppression list, through the consent module's service, in one step.
 */
@Injectable()
export class ObjectionJob implements PrivacyJobProcessor {
  readonly type = DataSubjectRequestType.OBJECTION;
  readonly steps = ['withdraw'] as const;

  constructor(
    private readonly users: UserProfiles,
    private readonly contacts: ContactService,
    private readonly consent: ConsentService,
    private readonly audit: AuditLog,
    private readonly identifiers: SubjectIdentifierReader,
  ) {}

  async runStep(_step: string, { ctx, em, request }: PrivacyJob): Promise<Record<string, unknown>> {
    const isUser = request.subjectKind === DataSubjectKind.USER;
    const subjectId = (isUser ? request.subjectUserId : request.subjectContactId) ?? '';
    const addresses = isUser ? await this.users.addresses(subjectId) : await this.contactAddresses(ctx, subjectId);
    if (!addresses) throw new PrivacyJobRejection("The person's record no longer exists, so there is nothing to object to.");
    // Every address the person was known by, rectified-away ones too: an old list re-imported must not reach them.
    const known = await this.identifiers.of(em, { kind: isUser ? 'user' : 'contact', id: subjectId });
    const withdrawn = await this.consent.objectToMarketing(ctx, isUser ? { userId: subjectId } : { contactId: subjectId }, known);
    await this.audit.record(ctx, [{ action: 'privacyRequest.object', targetType: isUser ? 'User' : 'Contact', targetId: subjectId }], { em });
    return { withdrawn };
  }

  private async contactAddresses(ctx: PrivacyJob['ctx'], contactId: string): Promise<{ email?: string | null; phone?: string | null } | null> {
    try {
      const contact = await this.contacts.require(asTenantContext(ctx), contactId);
      return { email: contact.email, phone: contact.phone };
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.NOT_FOUND) return null;
      throw error;
    }
  }
}
