import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { APP_ROLE, BaseEntity, MAINTENANCE_ROLE, ofVisibleParent } from '../../database/base.entity.js';
import { SESSION_USER, sessionTenantPredicate } from '../../database/tenant-sql.js';

const tenantRows = sessionTenantPredicate();
const ownRows = `tenant_id is null and subject_user_id = ${SESSION_USER}`;
const ofVisibleExport = ofVisibleParent({ table: 'privacy_export', alias: 'e' }, 'export_id');

/**
 * The file an access or portability request produced. Visible like its request: a contact's export to the tenant's
 * members, a user's own export to that user. The download link carries a token of which only the SHA-256 is stored;
 * the download endpoint (no session) finds the export by that hash as crm_maintenance, which also deletes expired files.
 */
@Entity({
  rowLevelSecurity: 'force',
  policies: [
    { name: 'tenant_exports', roles: [APP_ROLE], using: tenantRows, check: tenantRows },
    { name: 'own_exports', roles: [APP_ROLE], using: ownRows, check: ownRows },
    { name: 'maintenance', roles: [MAINTENANCE_ROLE], using: 'true', check: 'true' },
  ],
})
export class PrivacyExport extends BaseEntity {
  @Property({ type: 'uuid', unique: true })
  requestId: string;

  /** Not named `tenantId`: the ORM's tenant filter would hide users' own exports; RLS scopes them. */
  @Property({ type: 'uuid', fieldName: 'tenant_id', nullable: true })
  ownerTenantId?: string;

  @Property({ type: 'uuid', nullable: true })
  subjectUserId?: string;

  @Property({ type: 'uuid', nullable: true })
  subjectContactId?: string;

  /** SHA-256 (hex) of the link's token: a leaked table does not give working links. */
  @Property({ length: 64, unique: true })
  tokenHash: string;

  /** Null while the file is being built; set when it is published. */
  @Index()
  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date;

  @Property({ type: 'bigint' })
  byteSize: Opt<number> = 0;

  /** When retention deleted the file's bytes; the row stays as the record of what was delivered. */
  @Property({ type: 'timestamptz', nullable: true })
  fileDeletedAt?: Date;
}

/** The file's bytes, in order: written as the ZIP stream goes, so no instance holds the whole file. */
@Entity({
  rowLevelSecurity: 'force',
  policies: [
    { name: 'of_visible_export', roles: [APP_ROLE], using: ofVisibleExport, check: ofVisibleExport },
    { name: 'maintenance', roles: [MAINTENANCE_ROLE], using: 'true', check: 'true' },
  ],
})
export class PrivacyExportChunk {
  @ManyToOne(() => PrivacyExport, { primary: true, mapToPk: true, fieldName: 'export_id', deleteRule: 'cascade' })
  exportId: string;

  @PrimaryKey({ type: 'int' })
  seq: number;

  @Property({ type: 'blob' })
  data: Buffer;
}
