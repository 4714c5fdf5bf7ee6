import { Enum, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { AppendOnlyEntity } from '../../database/base.entity.js';
import { ConsentPurpose, ConsentSource, ConsentStatus } from '../purposes/consent-purpose.js';
import { PolicyDocument } from '../policies/policy-document.entity.js';

/**
 * One recorded consent choice, with its proof: what was chosen for which purpose, how, under which policy version, from
 * where and by whom. Both ledgers (the platform's for users and visitors, each tenant's for its contacts) are made of
 * these, and differ only in whom the choice is about.
 */
export abstract class ConsentChoice extends AppendOnlyEntity {
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

  @Property({ length: 500, nullable: true })
  note?: string;
}
