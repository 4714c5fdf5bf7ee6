import { registerEnumType } from '@nestjs/graphql';

/** How long a tenant has to answer a data-subject request. */
export enum PrivacyDeadlineRule {
  /** GDPR art. 12(3): one calendar month from receipt, extendable once by up to two further months. */
  GDPR_ONE_MONTH = 'GDPR_ONE_MONTH',
  /** CCPA: 45 days from receipt, extendable once by up to 45 further days. */
  CCPA_45_DAYS = 'CCPA_45_DAYS',
}

registerEnumType(PrivacyDeadlineRule, {
  name: 'PrivacyDeadlineRule',
  valuesMap: {
    GDPR_ONE_MONTH: { description: 'One calendar month from receipt, extendable once by up to two further months (GDPR).' },
    CCPA_45_DAYS: { description: '45 days from receipt, extendable once by up to 45 further days (CCPA).' },
  },
});
