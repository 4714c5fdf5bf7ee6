import { Injectable } from '@nestjs/common';
import { DeclaresPersonalData, PersonalDataTreatment as T, type PersonalDataDeclaration, type PersonalDataSource } from '../common/privacy/personal-data.js';

const PROOF =
  'Proof that consent was given or withdrawn, and when (GDPR Art. 7(1) asks us to be able to show it): the ledger is append-only. Rows name the person only by id; the note is written by whoever recorded the choice, and erasure replaces identifiers in it (the only change the ledger allows).';

/** The consent ledgers and policy acceptances: records of what a person chose or accepted, kept as proof. */
@Injectable()
@DeclaresPersonalData()
export class ConsentPersonalData implements PersonalDataSource {
  personalData(): PersonalDataDeclaration {
    const proofColumns = ['ip', 'user_agent', 'note'].map((column) => ({ column, treatment: T.EXPORT }));
    return {
      module: 'consent',
      tables: [
        {
          table: 'consent_event',
          links: [
            { subject: 'user', column: 'user_id' },
            { subject: 'user', column: 'recorded_by_user_id' },
          ],
          columns: proofColumns,
          freeText: [{ column: 'note', appendOnly: true }],
          platform: true,
          onErasure: 'KEEP_ROW',
          reason: PROOF,
        },
        {
          table: 'contact_consent_event',
          links: [
            { subject: 'contact', column: 'contact_id' },
            { subject: 'user', column: 'recorded_by_user_id' },
          ],
          columns: proofColumns,
          freeText: [{ column: 'note', appendOnly: true }],
          onErasure: 'KEEP_ROW',
          reason: PROOF,
        },
        {
          table: 'policy_acceptance',
          links: [{ subject: 'user', column: 'user_id' }],
          columns: ['ip', 'user_agent'].map((column) => ({ column, treatment: T.EXPORT })),
          onErasure: 'KEEP_ROW',
          reason: 'Proof that the user accepted a policy version, and when; append-only.',
        },
        {
          table: 'policy_document',
          links: [{ subject: 'user', column: 'published_by_user_id' }],
          columns: [],
          onErasure: 'KEEP_ROW',
          reason: "The platform's own document; only the id of the PromoX admin who published it.",
        },
      ],
    };
  }
}
