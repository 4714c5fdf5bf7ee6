import { Entity, Enum, Property } from '@mikro-orm/decorators/legacy';
import { Permission } from '../../common/authorization/permission.js';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';

/** A partner integration's credential. Only a hash of the secret is stored; the secret is shown once. */
@Entity(tenantPolicies({ authenticationReads: true }))
export class ApiKey extends TenantOwnedEntity {
  @Property()
  name: string;

  /** The first characters of the key, shown in lists so people can tell keys apart. */
  @Property()
  displayPrefix: string;

  @Property({ unique: true, hidden: true })
  secretHash: string;

  @Enum({ items: () => Permission, array: true, nativeEnumName: 'permission' })
  scopes: Permission[];

  @Property({ type: 'uuid', nullable: true })
  createdByUserId?: string;

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt?: Date;
}
