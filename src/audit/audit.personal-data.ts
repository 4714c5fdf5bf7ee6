import { Injectable } from '@nestjs/common';
import {
  DeclaresPersonalData,
  PersonalDataTreatment as T,
  type PersonalDataDeclaration,
  type PersonalDataSource,
} from '../common/privacy/personal-data.js';

/** Device and log data kept with audit entries. */
@Injectable()
@DeclaresPersonalData()
export class AuditPersonalData implements PersonalDataSource {
  personalData(): PersonalDataDeclaration {
    return {
      module: 'audit',
      tables: [
        {
          table: 'audit_entry',
          links: [{ subject: 'user', column: 'actor_user_id' }],
          columns: ['ip', 'user_agent', 'browser', 'os', 'device_type'].map((column) => ({ column, treatment: T.REDACT })),
          onErasure: 'REDACT_COLUMNS',
          reason: 'The trail is append-only and hash-chained: personal fields are covered by a salted digest, so they are blanked without breaking the chain; the actor id stays.',
        },
      ],
    };
  }
}
