import { Injectable } from '@nestjs/common';
import { DeclaresPersonalData, type PersonalDataDeclaration, type PersonalDataSource } from '../../common/privacy/personal-data.js';

/**
 * A job carries no data of its own, only what it works on (`kind` + `key`) and the tenant or user it runs as. Its last
 * error may quote data the work read (a name in a failed erasure step), so erasure replaces identifiers in it.
 */
@Injectable()
@DeclaresPersonalData()
export class JobQueuePersonalData implements PersonalDataSource {
  personalData(): PersonalDataDeclaration {
    return {
      module: 'jobs',
      tables: [
        {
          table: 'job',
          links: [{ subject: 'user', column: 'user_id' }],
          columns: [],
          freeText: [{ column: 'last_error' }],
          onErasure: 'KEEP_ROW',
          reason:
            "The record of the work done for the user (their own privacy request's job, kept as long as the request): " +
            'it names the request, not what it held; identifiers in its last error are erased like any free text.',
        },
      ],
    };
  }
}
