import { Migration } from '@mikro-orm/migrations';

/** Access and portability exports: the file as ordered chunks, found by its link's token hash; retention deletes expired files. */
export class Migration20261125074913 extends Migration {

  override name = 'Migration20261125074913';

  override up(): void | Promise<void> {
    this.addSql(`create table "privacy_export" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "request_id" uuid not null, "tenant_id" uuid null, "subject_user_id" uuid null, "subject_contact_id" uuid null, "token_hash" varchar(64) not null, "expires_at" timestamptz null, "byte_size" bigint not null default '0', "file_deleted_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "privacy_export" add constraint "privacy_export_request_id_unique" unique ("request_id");`);
    this.addSql(`alter table "privacy_export" add constraint "privacy_export_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "privacy_export_expires_at_index" on "privacy_export" ("expires_at");`);

    this.addSql(`create table "privacy_export_chunk" ("export_id" uuid not null, "seq" int not null, "data" bytea not null, primary key ("export_id", "seq"));`);

    this.addSql(`alter table "privacy_export" enable row level security;`);
    this.addSql(`alter table "privacy_export" force row level security;`);
    this.addSql(`create policy "tenant_exports" on "privacy_export" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "own_exports" on "privacy_export" to "crm_app" using (tenant_id is null and subject_user_id = nullif(current_setting('app.user_id', true), '')::uuid) with check (tenant_id is null and subject_user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);
    this.addSql(`create policy "maintenance" on "privacy_export" to "crm_maintenance" using (true) with check (true);`);

    this.addSql(`alter table "privacy_export_chunk" add constraint "privacy_export_chunk_export_id_foreign" foreign key ("export_id") references "privacy_export" ("id") on delete cascade;`);
    this.addSql(`alter table "privacy_export_chunk" enable row level security;`);
    this.addSql(`alter table "privacy_export_chunk" force row level security;`);
    this.addSql(`create policy "of_visible_export" on "privacy_export_chunk" to "crm_app" using (exists (select 1 from privacy_export e where e.id = export_id)) with check (exists (select 1 from privacy_export e where e.id = export_id));`);
    this.addSql(`create policy "maintenance" on "privacy_export_chunk" to "crm_maintenance" using (true) with check (true);`);

    // The download endpoint (no session) reads by token hash and retention deletes expired bytes, both as crm_maintenance.
    this.addSql(`grant select, update ("file_deleted_at", "updated_at") on "privacy_export" to crm_maintenance;`);
    this.addSql(`grant select, delete on "privacy_export_chunk" to crm_maintenance;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`revoke all on "privacy_export", "privacy_export_chunk" from crm_maintenance;`);
    this.addSql(`alter table "privacy_export_chunk" drop constraint "privacy_export_chunk_export_id_foreign";`);

    this.addSql(`drop table if exists "privacy_export" cascade;`);
    this.addSql(`drop table if exists "privacy_export_chunk" cascade;`);
  }

}
