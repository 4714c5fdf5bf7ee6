import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { TenantOwnedAppendOnlyEntity, appendOnlyTriggers, tenantPolicies } from '../../database/base.entity.js';
import { ConsentPurpose, ConsentSource, ConsentStatus } from '../purposes/consent-purpose.js';
import { PolicyDocument } from '../policies/policy-document.entity.js';

/**
 * A tenant's consent ledger for its contacts, append-only like the platform ledger. The contact id has no foreign
 * key on purpose: deleting a contact must not delete the proof of what they agreed to or withdrew. Only the purge of a
 * closed tenant deletes it.
 */
@Entity({ ...tenantPolicies({ purge: true }), triggers: appendOnlyTriggers({ tenantPurge: true }) })
@Index({ properties: ['tenantId', 'contactId', 'purpose', 'createdAt', 'id'] })
export class ContactConsentEvent extends TenantOwnedAppendOnlyEntity {
  @Property({ type: 'uuid' })
  contactId: string;

  @Enum({ items: () => ConsentPurpose, nativeEnumName: 'consent_purpose' })
  purpose: ConsentPurpose;

  @Enum({ items: () => ConsentStatus, nativeEnumName: 'consent_status' })
  status: ConsentStatus;

  @Enum({ items: () => ConsentSource, nativeEnumName: 'consent_source' })
  source: ConsentSource;

  @ManyToOne(() => PolicyDocument, { mapToPk: true, nullable: true, deleteRule: 'restrict' })
  policyDocument?: string;

  @Property({ length: 64, nullable: true })
  ip?: string;

  @Property({ length: 512, nullable: true })
  userAgent?: string;

  @Property({ type: 'uuid', nullable: true })
  recordedByUserId?: string;

  @Property({ type: 'uuid', nullable: true })
  recordedByApiKeyId?: string;

  @Property({ length: 500, nullable: true })
  note?: string;
}
