import { Check, Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { appendOnlyTriggers, ownAccountRowsForStaff } from '../../database/base.entity.js';
import { ConsentChoice } from './consent-choice.entity.js';

/**
 * The platform's consent ledger: a user's or an anonymous visitor's choices, one row per change, never updated or
 * deleted (the database refuses both). Current consent is the latest row per subject and purpose. Users and visitors
 * belong to no tenant, so this is a platform table; contacts have their own, tenant-owned ledger.
 */
@Entity({ ...ownAccountRowsForStaff('user_id', ['select']), triggers: appendOnlyTriggers({ freeText: ['note'] }) })
@Check({ name: 'consent_event_one_subject', expression: '(user_id is null) <> (visitor_id is null)' })
@Index({ properties: ['userId', 'purpose', 'createdAt', 'id'] })
@Index({ properties: ['visitorId', 'purpose', 'createdAt', 'id'] })
export class ConsentEvent extends ConsentChoice {
  @Property({ type: 'uuid', nullable: true })
  userId?: string;

  /** The cookie banner's random visitor id (kept in the visitor's cookie). */
  @Property({ length: 64, nullable: true })
  visitorId?: string;

  /** Set on a user's event copied from their cookie-banner choices at sign-in: the visitor it came from. */
  @Property({ length: 64, nullable: true })
  linkedVisitorId?: string;
}
