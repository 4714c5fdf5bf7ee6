import { Migration } from '@mikro-orm/migrations';

export class Migration20261125044328 extends Migration {

  override name = 'Migration20261125044328';

  override up(): void | Promise<void> {

    this.addSql(`alter table "user" enable row level security;`);
    this.addSql(`create policy "app_access" on "user" to "crm_app", "crm_auth" using (true) with check (true);`);
    this.addSql(`create policy "staff_own_select" on "user" for select to "crm_support" using (id = nullif(current_setting('app.user_id', true), '')::uuid);`);

    this.addSql(`alter table "refresh_session" enable row level security;`);
    this.addSql(`create policy "app_access" on "refresh_session" to "crm_app", "crm_auth" using (true) with check (true);`);
    this.addSql(`create policy "staff_own_select" on "refresh_session" for select to "crm_support" using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);
    this.addSql(`create policy "staff_own_update" on "refresh_session" for update to "crm_support" using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop policy "app_access" on "refresh_session";`);
    this.addSql(`drop policy "staff_own_select" on "refresh_session";`);
    this.addSql(`drop policy "staff_own_update" on "refresh_session";`);

    this.addSql(`drop policy "app_access" on "user";`);
    this.addSql(`drop policy "staff_own_select" on "user";`);


    this.addSql(`alter table "refresh_session" disable row level security;`);

    this.addSql(`alter table "user" disable row level security;`);
  }

}
