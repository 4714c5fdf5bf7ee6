import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Role } from '../../common/authorization/permission.js';
import { tenantRowsOwnedByUser, toSignedInUsersEmail } from '../../database/account-row-policies.js';
import { BaseEntity } from '../../database/base.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

/**
 * A pending membership. The inviting tenant's row; the invitee (signed in with the invited address) sees their own, and
 * accepting finds it by its token, before the invitee has any tenant, through the credential path.
 */
@Entity(tenantRowsOwnedByUser(toSignedInUsersEmail('email')))
export class Invitation extends BaseEntity {
  @ManyToOne(() => Tenant, { deleteRule: 'cascade', index: true })
  tenant: Tenant;

  /** Indexed: the invitee's own rows are found by it. */
  @Property({ index: true })
  email: string;

  @Enum({ items: () => Role, nativeEnumName: 'member_role' })
  role: Role;

  /** SHA-256 of the token; the token itself is shown once, to the inviter. */
  @Property({ unique: true, hidden: true })
  tokenHash: string;

  @ManyToOne(() => User, { deleteRule: 'set null', nullable: true })
  invitedBy?: User;

  @Property({ type: 'timestamptz' })
  expiresAt: Date;

  @Property({ type: 'timestamptz', nullable: true })
  acceptedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date;
}
