import { Injectable } from '@nestjs/common';
import { AuditLog } from '../../audit/index.js';
import { ContactService } from '../../business/contacts/index.js';
import { asTenantContext } from '../../common/context/request-context.js';
import { AppError, ErrorCode } from '../../common/errors/app-errors.js';
import { ConsentService } from '../../consent/index.js';
import { MentionEraser } from '../erasure/mention-eraser.sql.js';
import { PersonalDataEraser } from '../erasure/personal-data-eraser.sql.js';
import { SubjectIdentifierReader } from '../erasure/subject-identifiers.reader.js';
import { blankRequestHistory } from '../erasure/request-history.sql.js';
import { DataSubjectKind, DataSubjectRequestType } from '../requests/data-subject-request.entity.js';
import type { PrivacyJob, PrivacyJobProcessor } from './privacy-job.js';

/** The registry's modules, erased one per step; `privacy` last, so the request's own history goes after the data. */
const MODULE_STEPS = ['business', 'consent', 'accounts', 'audit', 'privacy'] as const;

/**
 * Erases a contact's personal data everywhere the personal-data registry declares it, one module per step (each step
 * commits its tables with its done-mark, so a crash resumes at the next module and never half-erases one). First,
 * while they are still known: `suppress` puts every email and phone the contact was known by (current, and those
 * their rectifications replaced) on the suppression list as hashes, so an erased person is never marketed to again,
 * even when re-entered as a new contact; `mentions` replaces their names, addresses and numbers with `[erased]` in
 * every declared free-text column of the tenant (order and client notes, kept communications, support threads).
 * Orders stay (legal hold) and keep pointing at the pseudonymised contact row. A user's erasure of their own account
 * is UserErasureJob's.
 */
@Injectable()
export class ErasureJob implements PrivacyJobProcessor {
  readonly type = DataSubjectRequestType.ERASURE;
  readonly subjects = [DataSubjectKind.CONTACT] as const;
  readonly steps = ['suppress', 'mentions', ...MODULE_STEPS] as const;

  constructor(
    private readonly eraser: PersonalDataEraser,
    private readonly mentions: MentionEraser,
    private readonly identifiers: SubjectIdentifierReader,
    private readonly contacts: ContactService,
    private readonly consent: ConsentService,
    private readonly audit: AuditLog,
  ) {}

  async runStep(step: string, { ctx, em, request }: PrivacyJob): Promise<Record<string, unknown>> {
    const contactId = request.subjectContactId ?? '';
    const subject = { kind: 'contact', id: contactId } as const;
    if (step === 'suppress') {
      const contact = await this.contacts.require(asTenantContext(ctx), contactId).catch((error: unknown) => {
        // A contact deleted before the request ran has no ledger left to withdraw in; its old addresses still go.
        if (error instanceof AppError && error.code === ErrorCode.NOT_FOUND) return null;
        throw error;
      });
      const known = await this.identifiers.of(em, subject);
      if (!contact) {
        await this.consent.suppressObjected(known);
        return { withdrawn: [] };
      }
      return { withdrawn: await this.consent.objectToMarketing(ctx, { contactId }, known) };
    }
    if (step === 'mentions') {
      // Counts only: the step's event must not hold the erased data.
      return { erased: await this.mentions.eraseMentions(em, await this.identifiers.of(em, subject), 'tenant') };
    }
    const erased = await this.eraser.eraseModule(em, step, subject);
    if (step === 'privacy') {
      // The history of the person's requests (rectifications' old and new values, notes) is theirs too.
      erased.data_subject_request_event = await blankRequestHistory(em, { subjectContactId: contactId });
      await this.audit.record(ctx, [{ action: 'privacyRequest.erase', targetType: 'Contact', targetId: contactId }], { em });
    }
    // Counts only: the step's event must not hold the erased data.
    return { erased };
  }
}
