import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ConsentPurpose, ConsentSource, ConsentStatus, PURPOSES, PolicyKind } from '../purposes/consent-purpose.js';
import type { PolicyDocument } from '../policies/policy-document.entity.js';
import { PolicyVersionType } from '../policies/policy-document.types.js';
import type { LedgerEvent } from './consent.service.js';

@ObjectType('ConsentPurposeDefinition', { description: 'A purpose that consent is asked for, as the privacy policy explains it.' })
export class ConsentPurposeType {
  @Field(() => ConsentPurpose) purpose: ConsentPurpose;
  @Field() description: string;
  @Field() legalBasis: string;
  @Field({ description: 'False for ESSENTIAL, which is always on.' }) withdrawable: boolean;
  @Field(() => PolicyKind, { description: 'The policy document that explains it; its version is recorded with each choice.' })
  policyKind: PolicyKind;

  static all(): ConsentPurposeType[] {
    return Object.values(PURPOSES).map((p) => Object.assign(new ConsentPurposeType(), p));
  }
}

@ObjectType('ConsentRecord', { description: 'One event of the consent ledger: the proof of who chose what, when, after which text, and how.' })
export class ConsentRecordType {
  @Field(() => ID) id: string;
  @Field(() => ConsentPurpose) purpose: ConsentPurpose;
  @Field(() => ConsentStatus) status: ConsentStatus;
  @Field(() => ConsentSource) source: ConsentSource;
  @Field({ description: 'When it was recorded.' }) recordedAt: Date;
  @Field(() => PolicyVersionType, { nullable: true, description: 'The policy version that was shown.' })
  policy: PolicyVersionType | null;
  @Field(() => String, { nullable: true, description: 'The IP address of the request that recorded it.' }) ip: string | null;
  @Field(() => String, { nullable: true, description: 'The user agent of the request that recorded it.' }) userAgent: string | null;
  @Field(() => ID, { nullable: true, description: 'The user who recorded it (for a contact: the member).' })
  recordedByUserId: string | null;
  @Field(() => ID, { nullable: true, description: 'The API key that recorded it.' }) recordedByApiKeyId: string | null;
  @Field(() => String, { nullable: true, description: "For a user's event copied from cookie-banner choices at sign-in: the visitor id." })
  linkedVisitorId: string | null;
  @Field(() => String, { nullable: true }) note: string | null;

  static from(event: LedgerEvent, documents: Map<string, PolicyDocument>): ConsentRecordType {
    const document = event.policyDocument ? documents.get(event.policyDocument) : undefined;
    return Object.assign(new ConsentRecordType(), {
      id: event.id,
      purpose: event.purpose,
      status: event.status,
      source: event.source,
      recordedAt: event.createdAt,
      policy: document ? PolicyVersionType.from(document) : null,
      ip: event.ip ?? null,
      userAgent: event.userAgent ?? null,
      recordedByUserId: event.recordedByUserId ?? null,
      recordedByApiKeyId: 'recordedByApiKeyId' in event ? (event.recordedByApiKeyId ?? null) : null,
      linkedVisitorId: 'linkedVisitorId' in event ? (event.linkedVisitorId ?? null) : null,
      note: event.note ?? null,
    });
  }
}

@ObjectType('ConsentState', { description: 'Current consent for one purpose, derived from the latest ledger event.' })
export class ConsentStateType {
  @Field(() => ConsentPurpose) purpose: ConsentPurpose;
  @Field({ description: 'True only with a current grant (always for ESSENTIAL).' }) granted: boolean;
  @Field(() => ConsentStatus, { nullable: true, description: 'Null when never asked (and for ESSENTIAL).' })
  status: ConsentStatus | null;
  @Field(() => Date, { nullable: true, description: 'When the current status was recorded.' }) since: Date | null;
  @Field(() => ConsentSource, { nullable: true }) source: ConsentSource | null;
  @Field(() => PolicyVersionType, { nullable: true, description: 'The policy version shown for the current status.' })
  policy: PolicyVersionType | null;

  static list(current: Map<ConsentPurpose, LedgerEvent>, documents: Map<string, PolicyDocument>): ConsentStateType[] {
    return Object.values(ConsentPurpose).map((purpose) => {
      const event = current.get(purpose);
      const document = event?.policyDocument ? documents.get(event.policyDocument) : undefined;
      return Object.assign(new ConsentStateType(), {
        purpose,
        granted: purpose === ConsentPurpose.ESSENTIAL || event?.status === ConsentStatus.GRANTED,
        status: event?.status ?? null,
        since: event?.createdAt ?? null,
        source: event?.source ?? null,
        policy: document ? PolicyVersionType.from(document) : null,
      });
    });
  }
}

@ObjectType('SubjectConsent', { description: 'Current consent per purpose, and the ledger events behind it, newest first (at most 500).' })
export class SubjectConsentType {
  @Field(() => [ConsentStateType]) purposes: ConsentStateType[];
  @Field(() => [ConsentRecordType]) history: ConsentRecordType[];
}
