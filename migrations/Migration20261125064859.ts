import { Migration } from '@mikro-orm/migrations';

/** Usage data: events (stored with ANALYTICS consent) and per-operation counts; the retention job deletes old rows. */
export class Migration20261125064859 extends Migration {

  override name = 'Migration20261125064859';

  override up(): void | Promise<void> {
    this.addSql(`create type "usage_event_kind" as enum ('PAGE_VIEW', 'FEATURE_USED', 'SESSION_START', 'SESSION_END');`);
    this.addSql(`create table "operation_usage" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "hour" timestamptz not null, "operation_type" varchar(20) not null, "field_name" varchar(100) not null, "count" int not null default 0, primary key ("id"));`);
    this.addSql(`create index "operation_usage_tenant_id_index" on "operation_usage" ("tenant_id");`);
    this.addSql(`create index "operation_usage_hour_index" on "operation_usage" ("hour");`);
    this.addSql(`alter table "operation_usage" add constraint "operation_usage_tenant_id_hour_operation_type_field_name_unique" unique ("tenant_id", "hour", "operation_type", "field_name");`);

    this.addSql(`create table "usage_event" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "user_id" uuid not null, "kind" "usage_event_kind" not null, "name" varchar(200) not null, "session_id" varchar(100) not null, "duration_ms" int null, "occurred_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "usage_event_tenant_id_index" on "usage_event" ("tenant_id");`);
    this.addSql(`create index "usage_event_occurred_at_index" on "usage_event" ("occurred_at");`);
    this.addSql(`create index "usage_event_tenant_id_occurred_at_index" on "usage_event" ("tenant_id", "occurred_at");`);



    this.addSql(`alter table "operation_usage" add constraint "operation_usage_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "operation_usage" enable row level security;`);
    this.addSql(`alter table "operation_usage" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "operation_usage" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "maintenance" on "operation_usage" to "crm_maintenance" using (true) with check (true);`);

    this.addSql(`alter table "usage_event" add constraint "usage_event_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "usage_event" enable row level security;`);
    this.addSql(`alter table "usage_event" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "usage_event" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "maintenance" on "usage_event" to "crm_maintenance" using (true) with check (true);`);

    this.addSql(`grant select, insert, update, delete on "operation_usage" to crm_maintenance;`);
    this.addSql(`grant delete on "usage_event" to crm_maintenance;`);
    this.addSql(`grant select on "usage_event" to crm_maintenance;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "operation_usage" cascade;`);
    this.addSql(`drop table if exists "usage_event" cascade;`);



    this.addSql(`drop type "usage_event_kind";`);
  }

}
