import type { Opt } from '@mikro-orm/core';
import { Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { RequestContextStore } from '../../common/context/request-context.js';
import { TenantForeignKey, appendOnlyTriggers, tenantPolicies } from '../../database/base.entity.js';
import { ConsentChoice } from './consent-choice.entity.js';

/**
 * A tenant's consent ledger for its contacts, append-only like the platform ledger. The contact id has no foreign
 * key on purpose: deleting a contact must not delete the proof of what they agreed to or withdrew. Only the purge of a
 * closed tenant deletes it.
 */
@Entity({ ...tenantPolicies({ purge: true }), triggers: appendOnlyTriggers({ tenantPurge: true, freeText: ['note'] }) })
@Index({ properties: ['tenantId', 'contactId', 'purpose', 'createdAt', 'id'] })
export class ContactConsentEvent extends ConsentChoice {
  @TenantForeignKey()
  tenantId: Opt<string> = RequestContextStore.tenantId() as string;

  @Property({ type: 'uuid' })
  contactId: string;

  @Property({ type: 'uuid', nullable: true })
  recordedByApiKeyId?: string;
}
