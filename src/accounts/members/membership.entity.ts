import { Entity, Enum, ManyToOne, Unique } from '@mikro-orm/decorators/legacy';
import { Role } from '../../common/authorization/permission.js';
import { ofSignedInUser, tenantRowsOwnedByUser } from '../../database/account-row-policies.js';
import { BaseEntity } from '../../database/base.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

/**
 * A user's place in a tenant. The tenant's rows to its requests; the signed-in user's own in every tenant (their
 * tenants); sign-in lists a user's tenants before one is chosen, through the credential path.
 */
@Entity(tenantRowsOwnedByUser(ofSignedInUser('user_id')))
@Unique({ properties: ['tenant', 'user'] })
export class Membership extends BaseEntity {
  @ManyToOne(() => Tenant, { deleteRule: 'cascade' })
  tenant: Tenant;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user: User;

  @Enum({ items: () => Role, nativeEnumName: 'member_role' })
  role: Role;
}
