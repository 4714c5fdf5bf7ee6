import { Injectable } from '@nestjs/common';
import { DeclaresPersonalData, PersonalDataTreatment as T, type PersonalDataDeclaration, type PersonalDataSource } from '../common/privacy/personal-data.js';

const CARD =
  'Card brand, last 4 digits and expiry as Stripe reports them (never a card number): billing data of the tenant, not of a user; replaced when the card changes and deleted with the tenant.';

/**
 * Billing data belongs to the tenant (an organisation), not to a user or contact, so no row links to a data subject
 * and rights requests find nothing here. Declared so that retention knows the tables: invoices are under legal hold.
 */
@Injectable()
@DeclaresPersonalData()
export class BillingPersonalData implements PersonalDataSource {
  personalData(): PersonalDataDeclaration {
    return {
      module: 'billing',
      legalHold: [{ table: 'billing_invoice', reason: 'Invoices are accounting records that tax law requires keeping after the tenant closes.' }],
      tables: [
        {
          table: 'billing_invoice',
          links: [],
          columns: [],
          onErasure: 'KEEP_ROW',
          reason:
            'Legal hold: invoices are accounting records that tax law requires keeping (typically 10 years) after the tenant closes; ' +
            "the app role may not delete them; a closed tenant's purge keeps them until its legal hold ends (taxRetentionYears).",
        },
        {
          table: 'billing_account',
          links: [],
          columns: [
            { column: 'card_brand', treatment: T.KEEP, reason: CARD },
            { column: 'card_last4', treatment: T.KEEP, reason: CARD },
            { column: 'card_exp_month', treatment: T.KEEP, reason: CARD },
            { column: 'card_exp_year', treatment: T.KEEP, reason: CARD },
          ],
          onErasure: 'KEEP_ROW',
          reason: "The tenant's billing account (Stripe customer, subscription): deleted with the tenant, not with a user.",
        },
      ],
    };
  }
}
