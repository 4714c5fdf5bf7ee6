import { OptionalProps, type Opt } from '@mikro-orm/core';
import { Check, Entity, Enum, Index, Property } from '@mikro-orm/decorators/legacy';
import { registerEnumType } from '@nestjs/graphql';
import { PrivacyDeadlineRule } from '../../accounts/index.js';
import { APP_ROLE, BaseEntity, MAINTENANCE_ROLE } from '../../database/base.entity.js';
import { SESSION_USER, sessionTenantPredicate } from '../../database/tenant-sql.js';

export enum DataSubjectRequestType {
  ACCESS = 'ACCESS',
  PORTABILITY = 'PORTABILITY',
  RECTIFICATION = 'RECTIFICATION',
  ERASURE = 'ERASURE',
  /** Stop marketing. */
  OBJECTION = 'OBJECTION',
}
registerEnumType(DataSubjectRequestType, { name: 'DataSubjectRequestType' });

export enum DataSubjectRequestStatus {
  RECEIVED = 'RECEIVED',
  VERIFIED = 'VERIFIED',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  REJECTED = 'REJECTED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(DataSubjectRequestStatus, { name: 'DataSubjectRequestStatus' });

/** Statuses of a request still being worked on: at most one such request per subject and type. */
export const OPEN_STATUSES = [DataSubjectRequestStatus.RECEIVED, DataSubjectRequestStatus.VERIFIED, DataSubjectRequestStatus.IN_PROGRESS] as const;

export enum DataSubjectKind {
  USER = 'USER',
  CONTACT = 'CONTACT',
}
registerEnumType(DataSubjectKind, { name: 'DataSubjectKind', description: 'A user of PromoX, or a contact of a tenant.' });

export enum IdentityVerificationMethod {
  /** The subject is signed in: their session is the proof (users' own requests). */
  SESSION = 'SESSION',
  ID_DOCUMENT = 'ID_DOCUMENT',
  EMAIL_CONFIRMATION = 'EMAIL_CONFIRMATION',
  PHONE_CALLBACK = 'PHONE_CALLBACK',
  /** The member knows the person (an existing business relationship). */
  KNOWN_CONTACT = 'KNOWN_CONTACT',
  OTHER = 'OTHER',
}
registerEnumType(IdentityVerificationMethod, { name: 'IdentityVerificationMethod' });

const tenantRows = sessionTenantPredicate();
const ownRows = `tenant_id is null and subject_user_id = ${SESSION_USER}`;

/** Values of the changes a rectification asks for, by field name (null clears an optional field). */
export type RectificationChanges = Record<string, string | null>;

/**
 * A data-subject request (GDPR art. 15–21, CCPA). Two kinds of rows share the table:
 * - a contact's request belongs to the tenant whose contact it is (tenant_id set); its members see it;
 * - a user's own request is about their platform account, so it belongs to no tenant (tenant_id null) and only the
 *   user sees it (the session's app.user_id), whichever tenant they are acting in.
 * No foreign keys to the tenant or the subject: the request is the record that it was honoured, and outlives both.
 * Its background work is the job queue's `privacy-request` job keyed by the request's id (attempts, last error, when
 * it runs); the request keeps which of the job's steps are done, committed with each step's effects.
 */
@Entity({
  rowLevelSecurity: 'force',
  policies: [
    { name: 'tenant_requests', roles: [APP_ROLE], using: tenantRows, check: tenantRows },
    { name: 'own_requests', roles: [APP_ROLE], using: ownRows, check: ownRows },
    { name: 'maintenance', roles: [MAINTENANCE_ROLE], using: 'true', check: 'true' },
  ],
})
@Check({
  name: 'data_subject_request_subject',
  expression:
    `(subject_kind = 'USER' and subject_user_id is not null and subject_contact_id is null and tenant_id is null) or ` +
    `(subject_kind = 'CONTACT' and subject_contact_id is not null and subject_user_id is null and tenant_id is not null)`,
})
// Duplicate open requests are merged by the service; this index is the backstop against a race.
@Index({
  name: 'data_subject_request_one_open',
  expression: `create unique index "data_subject_request_one_open" on "data_subject_request" ("subject_key", "type") where status in ('RECEIVED', 'VERIFIED', 'IN_PROGRESS')`,
})
@Index({ properties: ['ownerTenantId', 'createdAt', 'id'] })
@Index({ properties: ['subjectUserId', 'createdAt', 'id'] })
export class DataSubjectRequest extends BaseEntity {
  // Optional in em.create() because they have defaults; listed here, since an Opt<…> enum is no enum to the lint.
  [OptionalProps]?: 'status';

  /** Not named `tenantId`: the ORM's tenant filter would hide users' own (tenant-less) requests; RLS scopes them. */
  @Property({ type: 'uuid', fieldName: 'tenant_id', nullable: true })
  ownerTenantId?: string;

  @Enum({ items: () => DataSubjectRequestType, nativeEnumName: 'data_subject_request_type' })
  type: DataSubjectRequestType;

  @Enum({ items: () => DataSubjectRequestStatus, nativeEnumName: 'data_subject_request_status' })
  status: DataSubjectRequestStatus = DataSubjectRequestStatus.RECEIVED;

  @Enum({ items: () => DataSubjectKind, nativeEnumName: 'data_subject_kind' })
  subjectKind: DataSubjectKind;

  @Property({ type: 'uuid', nullable: true })
  subjectUserId?: string;

  @Property({ type: 'uuid', nullable: true })
  subjectContactId?: string;

  /** `user:<id>` or `contact:<id>`: one column for the one-open-request-per-subject-and-type index. */
  @Property({ length: 60 })
  subjectKey: string;

  /** What a rectification changes. Personal data: erased with the subject's other data. */
  @Property({ type: 'jsonb', nullable: true })
  changes?: RectificationChanges;

  @Property({ type: 'timestamptz' })
  receivedAt: Date;

  @Enum({ items: () => PrivacyDeadlineRule, nativeEnumName: 'privacy_deadline_rule' })
  deadlineRule: PrivacyDeadlineRule;

  @Property({ type: 'timestamptz' })
  dueAt: Date;

  /** The due date before any extension; the extension's limit is counted from it. */
  @Property({ type: 'timestamptz' })
  originalDueAt: Date;

  @Property({ type: 'timestamptz', nullable: true })
  extendedAt?: Date;

  @Property({ length: 1000, nullable: true })
  extensionReason?: string;

  @Property({ type: 'timestamptz', nullable: true })
  verifiedAt?: Date;

  @Enum({ items: () => IdentityVerificationMethod, nativeEnumName: 'identity_verification_method', nullable: true })
  verificationMethod?: IdentityVerificationMethod;

  @Property({ length: 1000, nullable: true })
  verificationNote?: string;

  @Property({ type: 'uuid', nullable: true })
  verifiedByUserId?: string;

  @Property({ type: 'uuid', nullable: true })
  filedByUserId?: string;

  /** The member who last acted on it (verified, rejected, cancelled, extended); the subject for their own requests. */
  @Property({ type: 'uuid', nullable: true })
  handledByUserId?: string;

  @Property({ length: 1000, nullable: true })
  rejectionReason?: string;

  /** When it reached COMPLETED, REJECTED or CANCELLED. */
  @Property({ type: 'timestamptz', nullable: true })
  closedAt?: Date;

  /** Steps of its job whose effects have committed: after a crash the job resumes at the first step not done. */
  @Property({ type: 'text[]' })
  jobStepsDone: Opt<string[]> = [];
}
