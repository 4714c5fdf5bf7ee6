import { Migration } from '@mikro-orm/migrations';

/**
 * A user's erasure blanks the personal fields of their audit entries in every chain (the tenants' and the
 * platform's). It runs as crm_maintenance, which until now could change only the IP (retention); the append-only
 * trigger still refuses any change to the sealed columns.
 */
export class Migration20261125084653 extends Migration {

  override name = 'Migration20261125084653';

  override up(): void | Promise<void> {
    this.addSql(`grant update ("user_agent", "browser", "os", "device_type") on "audit_entry" to crm_maintenance;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`revoke update ("user_agent", "browser", "os", "device_type") on "audit_entry" from crm_maintenance;`);
  }

}
