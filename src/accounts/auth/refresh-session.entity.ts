import { Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { rowsOfOneUser } from '../../database/account-row-policies.js';
import { BaseEntity } from '../../database/base.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

/**
 * One refresh token in a family. Each refresh replaces the token with a new one in the same family; presenting a
 * replaced token again means it leaked, and the whole family is revoked. Only its user's requests see it (its IP and
 * user agent are theirs), whichever tenant it acts in.
 */
@Entity(rowsOfOneUser('user_id'))
@Index({ properties: ['familyId'] })
export class RefreshSession extends BaseEntity {
  @Property({ type: 'uuid' })
  familyId: string;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user: User;

  /** The tenant the session is acting in; switchTenant moves it. */
  @ManyToOne(() => Tenant, { deleteRule: 'cascade', nullable: true })
  tenant?: Tenant;

  @Property({ unique: true, hidden: true })
  tokenHash: string;

  @Property({ type: 'timestamptz' })
  expiresAt: Date;

  @Property({ type: 'timestamptz', nullable: true })
  replacedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date;

  @Property({ nullable: true })
  ip?: string;

  @Property({ nullable: true, length: 512 })
  userAgent?: string;
}
