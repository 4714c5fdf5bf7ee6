import { Injectable } from '@nestjs/common';
import {
  DeclaresPersonalData,
  PersonalDataTreatment as T,
  type PersonalDataDeclaration,
  type PersonalDataSource,
} from '../common/privacy/personal-data.js';

/** Device and log data kept with audit entries, and usage events (stored only with ANALYTICS consent). */
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
        {
          table: 'usage_event',
          links: [{ subject: 'user', column: 'user_id' }],
          columns: [{ column: 'name', treatment: T.ERASE }],
          onErasure: 'DELETE_ROW',
        },
      ],
    };
  }
}
