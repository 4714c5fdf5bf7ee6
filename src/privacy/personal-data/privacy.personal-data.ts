import { Injectable } from '@nestjs/common';
import {
  DeclaresPersonalData,
  PersonalDataTreatment as T,
  type PersonalDataDeclaration,
  type PersonalDataSource,
} from '../../common/privacy/personal-data.js';

const RECORD = 'The request and its history are the record that the right was honoured (GDPR art. 5(2)); the erased data goes.';

/** The privacy module's own tables: requests about a person, and their history. */
@Injectable()
@DeclaresPersonalData()
export class PrivacyPersonalData implements PersonalDataSource {
  personalData(): PersonalDataDeclaration {
    return {
      module: 'privacy',
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
          columns: [{ column: 'expires_at', treatment: T.EXPORT }, { column: 'file_deleted_at', treatment: T.EXPORT }],
          onErasure: 'DELETE_ROW',
        },
      ],
    };
  }
}
