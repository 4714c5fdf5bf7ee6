import { Migration } from '@mikro-orm/migrations';

export class Migration20261125040805 extends Migration {

  override name = 'Migration20261125040805';

  override up(): void | Promise<void> {
    this.addSql(`create type "support_request_status" as enum ('OPEN', 'ANSWERED', 'CLOSED');`);
    this.addSql(`create type "order_status" as enum ('QUOTE', 'CONFIRMED', 'IN_PRODUCTION', 'SHIPPED', 'INVOICED', 'PAID', 'CANCELLED');`);
    this.addSql(`create type "communication_channel" as enum ('EMAIL', 'CALL', 'MEETING', 'SMS', 'NOTE');`);
    this.addSql(`create type "communication_direction" as enum ('INBOUND', 'OUTBOUND', 'INTERNAL');`);
    this.addSql(`create type "platform_role" as enum ('SUPPORT');`);
    this.addSql(`create table "support_request" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "subject" varchar(200) not null, "body" text not null, "status" "support_request_status" not null default 'OPEN', "created_by_user_id" uuid not null, "last_activity_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "support_request_tenant_id_index" on "support_request" ("tenant_id");`);
    this.addSql(`create index "support_request_status_last_activity_at_id_index" on "support_request" ("status", "last_activity_at", "id");`);
    this.addSql(`create index "support_request_tenant_id_created_at_id_index" on "support_request" ("tenant_id", "created_at", "id");`);

    this.addSql(`create table "support_reply" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "request_id" uuid not null, "body" text not null, "author_user_id" uuid not null, "from_support_staff" boolean not null, primary key ("id"));`);
    this.addSql(`create index "support_reply_tenant_id_index" on "support_reply" ("tenant_id");`);
    this.addSql(`create index "support_reply_request_id_index" on "support_reply" ("request_id");`);

    this.addSql(`create table "support_attachment" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "request_id" uuid not null, "reply_id" uuid null, "file_name" varchar(255) not null, "content_type" varchar(100) not null, "size_bytes" int not null, "sha256" varchar(64) not null, "content" bytea not null, "uploaded_by_user_id" uuid not null, primary key ("id"));`);
    this.addSql(`create index "support_attachment_tenant_id_index" on "support_attachment" ("tenant_id");`);
    this.addSql(`create index "support_attachment_request_id_index" on "support_attachment" ("request_id");`);
    this.addSql(`create index "support_attachment_reply_id_index" on "support_attachment" ("reply_id");`);

    this.addSql(`create table "order_number_counter" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "last_number" int not null, primary key ("id"));`);
    this.addSql(`create index "order_number_counter_tenant_id_index" on "order_number_counter" ("tenant_id");`);
    this.addSql(`alter table "order_number_counter" add constraint "order_number_counter_tenant_id_unique" unique ("tenant_id");`);

    this.addSql(`create table "client" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "name" varchar(200) not null, "website" varchar(500) null, "industry" varchar(100) null, "tags" text[] not null, "owner_user_id" uuid null, "billing_line1" varchar(255) null, "billing_line2" varchar(255) null, "billing_city" varchar(255) null, "billing_region" varchar(255) null, "billing_postal_code" varchar(255) null, "billing_country" varchar(2) null, "shipping_line1" varchar(255) null, "shipping_line2" varchar(255) null, "shipping_city" varchar(255) null, "shipping_region" varchar(255) null, "shipping_postal_code" varchar(255) null, "shipping_country" varchar(2) null, "notes" text null, "archived_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "client_tenant_id_index" on "client" ("tenant_id");`);
    this.addSql(`create index "client_owner_user_id_index" on "client" ("owner_user_id");`);
    this.addSql(`create index "client_tenant_id_name_id_index" on "client" ("tenant_id", "name", "id");`);
    this.addSql(`create index "client_tenant_id_created_at_id_index" on "client" ("tenant_id", "created_at", "id");`);

    this.addSql(`create table "contact" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "client_id" uuid not null, "first_name" varchar(100) not null, "last_name" varchar(100) not null, "title" varchar(150) null, "email" varchar(254) null, "phone" varchar(40) null, "address_line1" varchar(255) null, "address_line2" varchar(255) null, "address_city" varchar(255) null, "address_region" varchar(255) null, "address_postal_code" varchar(255) null, "address_country" varchar(2) null, primary key ("id"));`);
    this.addSql(`create index "contact_tenant_id_index" on "contact" ("tenant_id");`);
    this.addSql(`create index "contact_client_id_index" on "contact" ("client_id");`);
    this.addSql(`create index "contact_tenant_id_created_at_id_index" on "contact" ("tenant_id", "created_at", "id");`);

    this.addSql(`create table "order" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "number" varchar(20) not null, "number_seq" int not null, "client_id" uuid not null, "contact_id" uuid null, "currency" char(3) not null, "status" "order_status" not null default 'QUOTE', "in_hands_date" date null, "notes" text null, "external_references" jsonb not null, "subtotal" bigint not null default '0', "total_cost" bigint not null default '0', "change_xid" xid8 null, primary key ("id"));`);
    this.addSql(`create index "order_tenant_id_index" on "order" ("tenant_id");`);
    this.addSql(`create index "order_client_id_index" on "order" ("client_id");`);
    this.addSql(`create index "order_contact_id_index" on "order" ("contact_id");`);
    this.addSql(`create index "order_tenant_id_change_xid_id_index" on "order" ("tenant_id", "change_xid", "id");`);
    this.addSql(`create index "order_tenant_id_updated_at_id_index" on "order" ("tenant_id", "updated_at", "id");`);
    this.addSql(`create index "order_tenant_id_created_at_id_index" on "order" ("tenant_id", "created_at", "id");`);
    this.addSql(`alter table "order" add constraint "order_tenant_id_number_seq_unique" unique ("tenant_id", "number_seq");`);

    this.addSql(`create table "order_status_change" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "order_id" uuid not null, "from_status" "order_status" null, "to_status" "order_status" not null, "actor_user_id" uuid null, "actor_api_key_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "order_status_change_tenant_id_index" on "order_status_change" ("tenant_id");`);
    this.addSql(`create index "order_status_change_order_id_index" on "order_status_change" ("order_id");`);

    this.addSql(`create table "order_line" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "order_id" uuid not null, "position" smallint not null, "product_name" varchar(200) not null, "sku" varchar(100) null, "supplier" varchar(200) null, "quantity" int not null, "unit_price" bigint not null, "unit_cost" bigint not null, "decoration" varchar(2000) null, "colour" varchar(100) null, primary key ("id"));`);
    this.addSql(`create index "order_line_tenant_id_index" on "order_line" ("tenant_id");`);
    this.addSql(`create index "order_line_order_id_index" on "order_line" ("order_id");`);

    this.addSql(`create table "communication" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "client_id" uuid not null, "contact_id" uuid null, "channel" "communication_channel" not null, "direction" "communication_direction" not null, "subject" varchar(300) null, "body" text not null, "occurred_at" timestamptz not null, "author_user_id" uuid null, "marketing" boolean not null default false, primary key ("id"));`);
    this.addSql(`create index "communication_tenant_id_index" on "communication" ("tenant_id");`);
    this.addSql(`create index "communication_client_id_index" on "communication" ("client_id");`);
    this.addSql(`create index "communication_contact_id_index" on "communication" ("contact_id");`);
    this.addSql(`create index "communication_tenant_id_created_at_id_index" on "communication" ("tenant_id", "created_at", "id");`);
    this.addSql(`create index "communication_tenant_id_occurred_at_id_index" on "communication" ("tenant_id", "occurred_at", "id");`);

    this.addSql(`alter table "user" add "platform_role" "platform_role" null;`);

    this.addSql(`alter table "support_request" add constraint "support_request_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "support_request" enable row level security;`);
    this.addSql(`alter table "support_request" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "support_request" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "platform_support" on "support_request" to "crm_support" using (true) with check (true);`);

    this.addSql(`alter table "support_reply" add constraint "support_reply_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "support_reply" add constraint "support_reply_request_id_foreign" foreign key ("request_id") references "support_request" ("id") on delete cascade;`);
    this.addSql(`alter table "support_reply" enable row level security;`);
    this.addSql(`alter table "support_reply" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "support_reply" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "platform_support" on "support_reply" to "crm_support" using (true) with check (true);`);

    this.addSql(`alter table "support_attachment" add constraint "support_attachment_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "support_attachment" add constraint "support_attachment_request_id_foreign" foreign key ("request_id") references "support_request" ("id") on delete cascade;`);
    this.addSql(`alter table "support_attachment" add constraint "support_attachment_reply_id_foreign" foreign key ("reply_id") references "support_reply" ("id") on delete cascade;`);
    this.addSql(`alter table "support_attachment" enable row level security;`);
    this.addSql(`alter table "support_attachment" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "support_attachment" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "platform_support" on "support_attachment" to "crm_support" using (true) with check (true);`);

    this.addSql(`alter table "order_number_counter" add constraint "order_number_counter_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "order_number_counter" enable row level security;`);
    this.addSql(`alter table "order_number_counter" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "order_number_counter" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);

    this.addSql(`alter table "client" add constraint "client_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "client" enable row level security;`);
    this.addSql(`alter table "client" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "client" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);

    this.addSql(`alter table "contact" add constraint "contact_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "contact" add constraint "contact_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "contact" enable row level security;`);
    this.addSql(`alter table "contact" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "contact" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);

    this.addSql(`alter table "order" add constraint "order_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "order" add constraint "order_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete restrict;`);
    this.addSql(`alter table "order" add constraint "order_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on delete restrict;`);
    this.addSql(`create or replace function "order_order_change_xid_fn"() returns trigger as \$\$ begin new.change_xid := pg_current_xact_id(); return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "order_change_xid" BEFORE INSERT OR UPDATE on "order" for each ROW execute function "order_order_change_xid_fn"();`);
    this.addSql(`alter table "order" enable row level security;`);
    this.addSql(`alter table "order" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "order" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);

    this.addSql(`alter table "order_status_change" add constraint "order_status_change_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "order_status_change" add constraint "order_status_change_order_id_foreign" foreign key ("order_id") references "order" ("id") on delete cascade;`);
    this.addSql(`alter table "order_status_change" enable row level security;`);
    this.addSql(`alter table "order_status_change" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "order_status_change" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);

    this.addSql(`alter table "order_line" add constraint "order_line_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "order_line" add constraint "order_line_order_id_foreign" foreign key ("order_id") references "order" ("id") on delete cascade;`);
    this.addSql(`alter table "order_line" add constraint "order_line_money_not_negative" check (unit_price >= 0 and unit_cost >= 0);`);
    this.addSql(`alter table "order_line" add constraint "order_line_quantity_positive" check (quantity > 0);`);
    this.addSql(`alter table "order_line" enable row level security;`);
    this.addSql(`alter table "order_line" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "order_line" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);

    this.addSql(`alter table "communication" add constraint "communication_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "communication" add constraint "communication_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "communication" add constraint "communication_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on delete set null;`);
    this.addSql(`alter table "communication" enable row level security;`);
    this.addSql(`alter table "communication" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "communication" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "support_reply" drop constraint "support_reply_request_id_foreign";`);
    this.addSql(`alter table "support_attachment" drop constraint "support_attachment_request_id_foreign";`);
    this.addSql(`alter table "support_attachment" drop constraint "support_attachment_reply_id_foreign";`);
    this.addSql(`alter table "contact" drop constraint "contact_client_id_foreign";`);
    this.addSql(`alter table "order" drop constraint "order_client_id_foreign";`);
    this.addSql(`alter table "communication" drop constraint "communication_client_id_foreign";`);
    this.addSql(`alter table "order" drop constraint "order_contact_id_foreign";`);
    this.addSql(`alter table "communication" drop constraint "communication_contact_id_foreign";`);
    this.addSql(`alter table "order_status_change" drop constraint "order_status_change_order_id_foreign";`);
    this.addSql(`alter table "order_line" drop constraint "order_line_order_id_foreign";`);

    this.addSql(`drop table if exists "support_request" cascade;`);
    this.addSql(`drop table if exists "support_reply" cascade;`);
    this.addSql(`drop table if exists "support_attachment" cascade;`);
    this.addSql(`drop table if exists "order_number_counter" cascade;`);
    this.addSql(`drop table if exists "client" cascade;`);
    this.addSql(`drop table if exists "contact" cascade;`);
    this.addSql(`drop trigger if exists "order_change_xid" on "order";`);
    this.addSql(`drop function if exists "order_order_change_xid_fn"();`);
    this.addSql(`drop table if exists "order" cascade;`);
    this.addSql(`drop table if exists "order_status_change" cascade;`);
    this.addSql(`drop table if exists "order_line" cascade;`);
    this.addSql(`drop table if exists "communication" cascade;`);

    this.addSql(`alter table "user" drop column "platform_role";`);

    this.addSql(`drop type "support_request_status";`);
    this.addSql(`drop type "order_status";`);
    this.addSql(`drop type "communication_channel";`);
    this.addSql(`drop type "communication_direction";`);
    this.addSql(`drop type "platform_role";`);
  }

}
