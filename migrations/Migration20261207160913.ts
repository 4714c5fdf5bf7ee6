import { Migration } from '@mikro-orm/migrations';

/**
 * Row-level security, forced, on the account tables that a request with one tenant set could read across tenants:
 * memberships and invitations are their tenant's (and the signed-in user's own), refresh sessions their user's. Only
 * the credential path (crm_auth) reads them before a tenant or user is known, and revokes sessions when a tenant
 * closes; a closed tenant's purge (crm_maintenance) deletes the sessions acting in it.
 */
export class Migration20261207160913 extends Migration {

  override name = 'Migration20261207160913';

  override up(): void | Promise<void> {
    this.addSql(`drop policy "app_access" on "refresh_session";`);
    this.addSql(`drop policy "maintenance" on "refresh_session";`);

    this.addSql(`alter table "refresh_session" force row level security;`);
    this.addSql(`create policy "own_rows" on "refresh_session" to "crm_app" using (user_id = nullif(current_setting('app.user_id', true), '')::uuid) with check (user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);
    this.addSql(`create policy "authentication_reads" on "refresh_session" for select to "crm_auth" using (true);`);
    this.addSql(`create policy "authentication_revokes" on "refresh_session" for update to "crm_auth" using (true) with check (true);`);
    this.addSql(`create policy "maintenance_reads" on "refresh_session" for select to "crm_maintenance" using (true);`);
    this.addSql(`create policy "tenant_purge" on "refresh_session" for delete to "crm_maintenance" using (tenant_id = nullif(current_setting('app.purging_tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "maintenance" on "refresh_session" for update to "crm_maintenance" using (true) with check (true);`);

    this.addSql(`alter table "membership" enable row level security;`);
    this.addSql(`alter table "membership" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "membership" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "own_select" on "membership" for select to "crm_app" using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);
    this.addSql(`create policy "own_delete" on "membership" for delete to "crm_app" using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);
    this.addSql(`create policy "authentication_reads" on "membership" for select to "crm_auth" using (true);`);

    this.addSql(`create index "invitation_email_index" on "invitation" ("email");`);
    this.addSql(`alter table "invitation" enable row level security;`);
    this.addSql(`alter table "invitation" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "invitation" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "own_select" on "invitation" for select to "crm_app" using (email = (select u.email from "user" u where u.id = nullif(current_setting('app.user_id', true), '')::uuid));`);
    this.addSql(`create policy "own_delete" on "invitation" for delete to "crm_app" using (email = (select u.email from "user" u where u.id = nullif(current_setting('app.user_id', true), '')::uuid));`);
    this.addSql(`create policy "authentication_reads" on "invitation" for select to "crm_auth" using (true);`);

    // Accepting an invitation finds its id and tenant by the token's hash; nothing else of it.
    this.addSql(`grant select ("id", "tenant_id", "token_hash") on "invitation" to crm_auth;`);
    this.addSql(`grant update ("revoked_at") on "refresh_session" to crm_auth;`);
    this.addSql(`grant delete on "refresh_session" to crm_maintenance;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`revoke delete on "refresh_session" from crm_maintenance;`);
    this.addSql(`revoke update ("revoked_at") on "refresh_session" from crm_auth;`);
    this.addSql(`revoke select ("id", "tenant_id", "token_hash") on "invitation" from crm_auth;`);

    this.addSql(`drop policy "tenant_isolation" on "invitation";`);
    this.addSql(`drop policy "own_select" on "invitation";`);
    this.addSql(`drop policy "own_delete" on "invitation";`);
    this.addSql(`drop policy "authentication_reads" on "invitation";`);

    this.addSql(`drop policy "tenant_isolation" on "membership";`);
    this.addSql(`drop policy "own_select" on "membership";`);
    this.addSql(`drop policy "own_delete" on "membership";`);
    this.addSql(`drop policy "authentication_reads" on "membership";`);

    this.addSql(`drop policy "own_rows" on "refresh_session";`);
    this.addSql(`drop policy "authentication_reads" on "refresh_session";`);
    this.addSql(`drop policy "authentication_revokes" on "refresh_session";`);
    this.addSql(`drop policy "maintenance_reads" on "refresh_session";`);
    this.addSql(`drop policy "maintenance" on "refresh_session";`);
    this.addSql(`drop policy "tenant_purge" on "refresh_session";`);

    this.addSql(`drop index "invitation_email_index";`);
    this.addSql(`alter table "invitation" no force row level security;`);
    this.addSql(`alter table "invitation" disable row level security;`);

    this.addSql(`alter table "membership" no force row level security;`);
    this.addSql(`alter table "membership" disable row level security;`);

    this.addSql(`alter table "refresh_session" no force row level security;`);
    this.addSql(`create policy "app_access" on "refresh_session" to "crm_app", "crm_auth" using (true) with check (true);`);
    this.addSql(`create policy "maintenance" on "refresh_session" to "crm_maintenance" using (true) with check (true);`);
  }

}
