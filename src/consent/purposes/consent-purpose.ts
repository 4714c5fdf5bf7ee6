import { registerEnumType } from '@nestjs/graphql';

/** What consent is asked for. Defined once here: the schema, the ledger and the marketing gate all read this. */
export enum ConsentPurpose {
  ESSENTIAL = 'ESSENTIAL',
  ANALYTICS = 'ANALYTICS',
  PERSONALIZATION = 'PERSONALIZATION',
  MARKETING_EMAIL = 'MARKETING_EMAIL',
  MARKETING_SMS = 'MARKETING_SMS',
}

export enum ConsentStatus {
  GRANTED = 'GRANTED',
  WITHDRAWN = 'WITHDRAWN',
}

/** How a consent event came about: part of the proof. */
export enum ConsentSource {
  SIGN_UP = 'SIGN_UP',
  COOKIE_BANNER = 'COOKIE_BANNER',
  ACCOUNT_SETTINGS = 'ACCOUNT_SETTINGS',
  API = 'API',
  DATA_SUBJECT_REQUEST = 'DATA_SUBJECT_REQUEST',
}

/** Which policy document's text a purpose is explained in: the version shown is recorded with each event. */
export enum PolicyKind {
  PRIVACY_POLICY = 'PRIVACY_POLICY',
  TERMS = 'TERMS',
  COOKIE_POLICY = 'COOKIE_POLICY',
}

export interface PurposeDefinition {
  purpose: ConsentPurpose;
  description: string;
  legalBasis: string;
  /** ESSENTIAL is needed to provide the service at all: it is not based on consent, so it cannot be withdrawn. */
  withdrawable: boolean;
  policyKind: PolicyKind;
}

export const PURPOSES: Readonly<Record<ConsentPurpose, PurposeDefinition>> = {
  [ConsentPurpose.ESSENTIAL]: {
    purpose: ConsentPurpose.ESSENTIAL,
    description: 'Cookies and processing needed to run the service: log-in session, security, load balancing, remembering these choices.',
    legalBasis: 'Contract and legitimate interest (GDPR art. 6(1)(b) and (f)); strictly necessary, so always on and not withdrawable.',
    withdrawable: false,
    policyKind: PolicyKind.COOKIE_POLICY,
  },
  [ConsentPurpose.ANALYTICS]: {
    purpose: ConsentPurpose.ANALYTICS,
    description: 'Usage data (pages, features, actions, session duration) to measure and improve the product.',
    legalBasis: 'Consent (GDPR art. 6(1)(a); ePrivacy art. 5(3)); withdrawable at any time.',
    withdrawable: true,
    policyKind: PolicyKind.COOKIE_POLICY,
  },
  [ConsentPurpose.PERSONALIZATION]: {
    purpose: ConsentPurpose.PERSONALIZATION,
    description: 'Personalized content and marketing based on how the product is used.',
    legalBasis: 'Consent (GDPR art. 6(1)(a); ePrivacy art. 5(3)); withdrawable at any time.',
    withdrawable: true,
    policyKind: PolicyKind.COOKIE_POLICY,
  },
  [ConsentPurpose.MARKETING_EMAIL]: {
    purpose: ConsentPurpose.MARKETING_EMAIL,
    description: 'Marketing messages by email.',
    legalBasis: 'Consent (GDPR art. 6(1)(a); ePrivacy art. 13); withdrawable at any time, after which the address is never marketed to again.',
    withdrawable: true,
    policyKind: PolicyKind.PRIVACY_POLICY,
  },
  [ConsentPurpose.MARKETING_SMS]: {
    purpose: ConsentPurpose.MARKETING_SMS,
    description: 'Marketing messages by SMS.',
    legalBasis: 'Consent (GDPR art. 6(1)(a); ePrivacy art. 13); withdrawable at any time, after which the number is never marketed to again.',
    withdrawable: true,
    policyKind: PolicyKind.PRIVACY_POLICY,
  },
};

/** The marketing purposes, each with the channel whose identifier (email or phone) the suppression list keys on. */
export enum SuppressionChannel {
  EMAIL = 'EMAIL',
  SMS = 'SMS',
}

export const MARKETING_CHANNEL: Partial<Record<ConsentPurpose, SuppressionChannel>> = {
  [ConsentPurpose.MARKETING_EMAIL]: SuppressionChannel.EMAIL,
  [ConsentPurpose.MARKETING_SMS]: SuppressionChannel.SMS,
};

registerEnumType(ConsentPurpose, {
  name: 'ConsentPurpose',
  description: 'What consent is asked for. `consentPurposes` returns the same definitions as data.',
  valuesMap: Object.fromEntries(Object.values(PURPOSES).map((p) => [p.purpose, { description: `${p.description} Legal basis: ${p.legalBasis}` }])),
});
registerEnumType(ConsentStatus, { name: 'ConsentStatus' });
registerEnumType(ConsentSource, {
  name: 'ConsentSource',
  description: 'How a consent event came about.',
  valuesMap: {
    SIGN_UP: { description: 'A sign-up or subscription form.' },
    COOKIE_BANNER: { description: "The cookie banner (also: a visitor's banner choices linked to their account at sign-in)." },
    ACCOUNT_SETTINGS: { description: "The user's own privacy settings." },
    API: { description: 'Recorded through the API by a member or an integration.' },
    DATA_SUBJECT_REQUEST: { description: 'A request from the person concerned (by email, letter, phone).' },
  },
});
registerEnumType(PolicyKind, { name: 'PolicyKind' });
registerEnumType(SuppressionChannel, { name: 'SuppressionChannel', description: 'EMAIL for MARKETING_EMAIL, SMS for MARKETING_SMS.' });
