import { Entity, Enum, Property, Unique } from '@mikro-orm/decorators/legacy';
import { AppendOnlyEntity, appendOnlyTriggers } from '../../database/base.entity.js';
import { SuppressionChannel } from '../purposes/consent-purpose.js';

export enum SuppressionReason {
  WITHDRAWAL = 'WITHDRAWAL',
  OBJECTION = 'OBJECTION',
}

/**
 * Addresses never to be marketed to again, on a channel. Only a keyed hash (HMAC-SHA-256 under SUPPRESSION_HASH_KEY)
 * of the normalised email or phone is kept, so the list outlives the contact (a contact re-created later with the same
 * email is still suppressed) without keeping the address, nor anything that hashing guesses could find it from.
 * A platform table.
 */
@Entity({ tableName: 'consent_suppression', triggers: appendOnlyTriggers() })
@Unique({ properties: ['channel', 'identifierHash'] })
export class SuppressionEntry extends AppendOnlyEntity {
  @Enum({ items: () => SuppressionChannel, nativeEnumName: 'suppression_channel' })
  channel: SuppressionChannel;

  @Property({ length: 64 })
  identifierHash: string;

  @Enum({ items: () => SuppressionReason, nativeEnumName: 'suppression_reason' })
  reason: SuppressionReason;
}
