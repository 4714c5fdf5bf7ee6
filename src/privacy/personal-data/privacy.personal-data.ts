import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { EXPORT_LINK_DAYS } from '../exports/export-link.js';
import {
  DeclaresPersonalData,
  PersonalDataTreatment as T,
  RetentionDataKind as K,
  type PersonalDataDeclaration,
  type PersonalDataSource,
} from '../../common/privacy/personal-data.js';

const RECORD = 'The request and its history are the record that the right was honoured (GDPR art. 5(2)); the erased data goes.';

/** The privacy module's own tables: requests about a person, and their history. */
@Injectable()
@DeclaresPersonalData()
export class PrivacyPersonalData implements PersonalDataSource {
  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  personalData(): PersonalDataDeclaration {
    return {
      module: 'privacy',
      retention: [
        {
          kind: K.PRIVACY_EXPORTS,
          description: 'The ZIP files of access and portability requests.',
          days: EXPORT_LINK_DAYS,
          period: `${EXPORT_LINK_DAYS} days after the export is ready (the link's lifetime)`,
          configuredBy: 'fixed',
          then: 'The file is deleted; the request keeps the record that it was delivered.',
        },
        {
          kind: K.CLOSED_TENANT_DATA,
          description: 'All data of a tenant closed by its owner: clients, contacts, communications, support requests, members, API keys, usage.',
          days: this.config.TENANT_CLOSURE_GRACE_DAYS,
          period: `${this.config.TENANT_CLOSURE_GRACE_DAYS} days after the closure (the grace period, during which reopenTenant restores everything)`,
          configuredBy: 'TENANT_CLOSURE_GRACE_DAYS (environment)',
          then: 'Purged: deleted, except legal-hold records, which are pseudonymised.',
        },
        {
          kind: K.LEGAL_HOLD_RECORDS,
          description:
            'Records the law requires keeping after a tenant closes: orders with their lines and history, the clients and (pseudonymised) contacts they name, privacy requests, the audit trail, invoices.',
          days: null,
          period: 'taxRetentionYears after the tenant closes (default 10)',
          configuredBy: 'taxRetentionYears (tenant setting, updatePrivacySettings)',
          then: 'Deleted, with the tenant itself.',
        },
        {
          kind: K.PRIVACY_REQUESTS,
          description: 'Data-subject requests and their history (without the erased data), the record that each right was honoured.',
          days: null,
          period: "As long as the tenant (users' own requests: as long as the platform) exists; after closure, as a legal-hold record",
          configuredBy: 'taxRetentionYears (tenant setting)',
          then: "Deleted with the tenant's legal-hold records.",
        },
      ],
      legalHold: [
        { table: 'data_subject_request', reason: RECORD },
        { table: 'data_subject_request_event', reason: RECORD },
      ],
      tables: [
        {
          table: 'data_subject_request',
          links: [
            { subject: 'user', column: 'subject_user_id' },
            { subject: 'contact', column: 'subject_contact_id' },
            // A member who handled contacts' requests leaves the tenant's record of them intact.
            { subject: 'user', column: 'filed_by_user_id', onErasure: 'KEEP_ROW' },
            { subject: 'user', column: 'handled_by_user_id', onErasure: 'KEEP_ROW' },
            { subject: 'user', column: 'verified_by_user_id', onErasure: 'KEEP_ROW' },
          ],
          columns: [
            { column: 'changes', treatment: T.ERASE },
            { column: 'verification_note', treatment: T.ERASE },
          ],
          // What members wrote while handling any request may name someone else too (the job's errors: see `job`).
          freeText: ['verification_note', 'rejection_reason', 'extension_reason'].map((column) => ({ column })),
          onErasure: 'BLANK_COLUMNS',
          reason: RECORD,
        },
        {
          table: 'data_subject_request_event',
          links: [{ subject: 'user', column: 'actor_user_id' }],
          columns: [
            { column: 'note', treatment: T.ERASE },
            { column: 'details', treatment: T.ERASE },
          ],
          freeText: [{ column: 'note' }],
          // The subject's own history is blanked by the erasure job through its requests (what was changed, notes);
          // what a member wrote while handling others' requests is the tenant's record of them.
          onErasure: 'KEEP_ROW',
          reason: `${RECORD} Erased through the subject's requests, not through the member who acted.`,
        },
        {
          // The file's bytes (privacy_export_chunk) are the export itself: deleted with the link's expiry, and by erasure.
          table: 'privacy_export',
          links: [
            { subject: 'user', column: 'subject_user_id' },
            { subject: 'contact', column: 'subject_contact_id' },
          ],
          columns: [
            { column: 'expires_at', treatment: T.EXPORT },
            { column: 'file_deleted_at', treatment: T.EXPORT },
          ],
          onErasure: 'DELETE_ROW',
        },
      ],
    };
  }
}
