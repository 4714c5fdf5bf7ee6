import { Migration } from '@mikro-orm/migrations';

export class Migration20261125035551 extends Migration {

  override name = 'Migration20261125035551';

  override up(): void | Promise<void> {
    this.addSql(`create type "tenant_status" as enum ('ACTIVE', 'CLOSED');`);
    this.addSql(`create type "permission" as enum ('MEMBERS_READ', 'MEMBERS_MANAGE', 'API_KEYS_MANAGE', 'TENANT_MANAGE', 'CLIENTS_READ', 'CLIENTS_WRITE', 'ORDERS_READ', 'ORDERS_WRITE', 'PII_READ', 'FINANCIALS_READ', 'BILLING_READ', 'BILLING_MANAGE', 'PRIVACY_MANAGE', 'AUDIT_READ');`);
    this.addSql(`create type "member_role" as enum ('OWNER', 'ADMIN', 'MANAGER', 'SALES_REP', 'VIEWER');`);
    this.addSql(`create table "tenant" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "address_line1" varchar(255) null, "address_line2" varchar(255) null, "address_city" varchar(255) null, "address_region" varchar(255) null, "address_postal_code" varchar(255) null, "address_country" varchar(2) null, "phone" varchar(255) null, "billing_email" varchar(255) null, "status" "tenant_status" not null default 'ACTIVE', primary key ("id"));`);

    this.addSql(`create table "api_key" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "name" varchar(255) not null, "display_prefix" varchar(255) not null, "secret_hash" varchar(255) not null, "scopes" "permission"[] not null, "created_by_user_id" uuid null, "expires_at" timestamptz null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "api_key_tenant_id_index" on "api_key" ("tenant_id");`);
    this.addSql(`alter table "api_key" add constraint "api_key_secret_hash_unique" unique ("secret_hash");`);

    this.addSql(`create table "user" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "full_name" varchar(255) not null, "email" varchar(255) not null, "phone" varchar(255) null, "password_hash" varchar(255) not null, "age_confirmed_at" timestamptz not null, "last_log_in_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "user" add constraint "user_email_unique" unique ("email");`);

    this.addSql(`create table "refresh_session" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "family_id" uuid not null, "user_id" uuid not null, "tenant_id" uuid null, "token_hash" varchar(255) not null, "expires_at" timestamptz not null, "replaced_at" timestamptz null, "revoked_at" timestamptz null, "ip" varchar(255) null, "user_agent" varchar(512) null, primary key ("id"));`);
    this.addSql(`create index "refresh_session_user_id_index" on "refresh_session" ("user_id");`);
    this.addSql(`alter table "refresh_session" add constraint "refresh_session_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "refresh_session_family_id_index" on "refresh_session" ("family_id");`);

    this.addSql(`create table "membership" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "user_id" uuid not null, "role" "member_role" not null, primary key ("id"));`);
    this.addSql(`create index "membership_user_id_index" on "membership" ("user_id");`);
    this.addSql(`alter table "membership" add constraint "membership_tenant_id_user_id_unique" unique ("tenant_id", "user_id");`);

    this.addSql(`create table "invitation" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "email" varchar(255) not null, "role" "member_role" not null, "token_hash" varchar(255) not null, "invited_by_id" uuid null, "expires_at" timestamptz not null, "accepted_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "invitation_tenant_id_index" on "invitation" ("tenant_id");`);
    this.addSql(`alter table "invitation" add constraint "invitation_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "api_key" add constraint "api_key_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);

    this.addSql(`alter table "refresh_session" add constraint "refresh_session_user_id_foreign" foreign key ("user_id") references "user" ("id") on delete cascade;`);
    this.addSql(`alter table "refresh_session" add constraint "refresh_session_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);

    this.addSql(`alter table "membership" add constraint "membership_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "membership" add constraint "membership_user_id_foreign" foreign key ("user_id") references "user" ("id") on delete cascade;`);

    this.addSql(`alter table "invitation" add constraint "invitation_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "invitation" add constraint "invitation_invited_by_id_foreign" foreign key ("invited_by_id") references "user" ("id") on delete set null;`);

    this.addSql(`alter table "api_key" enable row level security;`);
    this.addSql(`alter table "api_key" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "api_key" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "authentication_reads" on "api_key" to "crm_auth" using (true) with check (true);`);
  }

}
