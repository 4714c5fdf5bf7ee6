import { Entity, Enum, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity, ownAccountRowsForStaff } from '../../database/base.entity.js';
import { PlatformRole } from '../../common/authorization/platform-role.js';

/** A person who signs in. A platform table: one user may belong to several tenants. */
@Entity(ownAccountRowsForStaff('id', ['select']))
export class User extends BaseEntity {
  @Property()
  fullName: string;

  /** Stored normalised (trimmed, lower-case), so uniqueness is case-insensitive. */
  @Property({ unique: true })
  email: string;

  @Property({ nullable: true })
  phone?: string;

  @Property({ hidden: true, lazy: true })
  passwordHash: string;

  /** When the user confirmed being 16 or older; the service is not for younger people. */
  @Property({ type: 'timestamptz' })
  ageConfirmedAt: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lastLogInAt?: Date;

  /** Set only for PromoX staff (granted in the database, never through the API). */
  @Enum({ items: () => PlatformRole, nativeEnumName: 'platform_role', nullable: true })
  platformRole?: PlatformRole;
}
