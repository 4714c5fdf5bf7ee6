import { Migration } from '@mikro-orm/migrations';

/**
 * Privileges of the two roles requests run under (created by src/database/migrate.ts, as roles are cluster-wide):
 * crm_app for every request statement, crm_auth for reading credentials before a tenant is known.
 */
export class Migration20261125035651 extends Migration {
  override name = 'Migration20261125035651';

  override up(): void | Promise<void> {
    this.addSql(`grant usage on schema public to crm_app, crm_auth;`);
    this.addSql(`grant select, insert, update, delete on all tables in schema public to crm_app;`);
    this.addSql(`revoke all on "mikro_orm_migrations" from crm_app;`);
    // Tables created by later migrations are granted to crm_app too; each grants crm_auth what it needs itself.
    this.addSql(`alter default privileges in schema public grant select, insert, update, delete on tables to crm_app;`);

    this.addSql(`grant select on "membership", "refresh_session", "api_key" to crm_auth;`);
    this.addSql(`grant update ("last_used_at") on "api_key" to crm_auth;`);
  }
}
