import { Migration } from '@mikro-orm/migrations';

/**
 * Staff requests run as crm_support, which reached only the support tables, so a staff member could not read their
 * own profile (`me`) or end their session (`logOut`). Grant exactly the columns those two need.
 */
export class Migration20261125043500 extends Migration {
  override name = 'Migration20261125043500';

  override up(): void | Promise<void> {
    this.addSql(
      `grant select ("id", "created_at", "updated_at", "full_name", "email", "phone", "age_confirmed_at", "last_log_in_at", "platform_role") on "user" to crm_support;`,
    );
    this.addSql(`grant select ("id", "family_id", "revoked_at"), update ("revoked_at") on "refresh_session" to crm_support;`);
  }
}
