import { Check, Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { AppendOnlyEntity, appendOnlyTriggers, ownAccountRowsForStaff } from '../../database/base.entity.js';
import { ConsentPurpose, ConsentSource, ConsentStatus } from '../purposes/consent-purpose.js';
import { PolicyDocument } from '../policies/policy-document.entity.js';

/**
 * The platform's consent ledger: a user's or an anonymous visitor's choices, one row per change, never updated or
 * deleted (the database refuses both). Current consent is the latest row per subject and purpose. Users and visitors
 * belong to no tenant, so this is a platform table; contacts have their own, tenant-owned ledger.
 */
@Entity({ ...ownAccountRowsForStaff('user_id', ['select']), triggers: appendOnlyTriggers() })
@Check({ name: 'consent_event_one_subject', expression: '(user_id is null) <> (visitor_id is null)' })
@Index({ properties: ['userId', 'purpose', 'createdAt', 'id'] })
@Index({ properties: ['visitorId', 'purpose', 'createdAt', 'id'] })
export class ConsentEvent extends AppendOnlyEntity {
  @Property({ type: 'uuid', nullable: true })
  userId?: string;

  /** The cookie banner's random visitor id (kept in the visitor's cookie). */
  @Property({ length: 64, nullable: true })
  visitorId?: string;

  @Enum({ items: () => ConsentPurpose, nativeEnumName: 'consent_purpose' })
  purpose: ConsentPurpose;

  @Enum({ items: () => ConsentStatus, nativeEnumName: 'consent_status' })
  status: ConsentStatus;

  @Enum({ items: () => ConsentSource, nativeEnumName: 'consent_source' })
  source: ConsentSource;

  /** The policy version whose text was shown when the choice was made. */
  @ManyToOne(() => PolicyDocument, { mapToPk: true, nullable: true, deleteRule: 'restrict' })
  policyDocument?: string;

  @Property({ length: 64, nullable: true })
  ip?: string;

  @Property({ length: 512, nullable: true })
  userAgent?: string;

  /** The signed-in user who recorded it (the subject themself, for a user's own choices). */
  @Property({ type: 'uuid', nullable: true })
  recordedByUserId?: string;

  /** Set on a user's event copied from their cookie-banner choices at sign-in: the visitor it came from. */
  @Property({ length: 64, nullable: true })
  linkedVisitorId?: string;

  @Property({ length: 500, nullable: true })
  note?: string;
}
