import { Migration } from '@mikro-orm/migrations';

/**
 * The hash-chained audit trail. Append-only for the app role (no update or delete privilege, and a trigger that refuses
 * them for everyone except the redaction of personal fields); staff append entries for the tenants they read;
 * crm_maintenance (the retention job) redacts IP addresses, here and in refresh sessions.
 */
export class Migration20261125061036 extends Migration {

  override name = 'Migration20261125061036';

  override up(): void | Promise<void> {
    this.addSql(`create type "audit_actor_type" as enum ('USER', 'API_KEY', 'STAFF', 'SYSTEM', 'ANONYMOUS');`);
    this.addSql(`create type "audit_result" as enum ('SUCCESS', 'FAILURE', 'DENIED');`);
    this.addSql(`create table "audit_chain_head" ("chain_key" uuid not null, "last_seq" bigint not null, "last_hash" varchar(64) not null, primary key ("chain_key"));`);

    this.addSql(`create table "audit_entry" ("id" uuid not null, "tenant_id" uuid null, "chain_key" uuid not null, "chain_seq" bigint not null, "occurred_at" timestamptz not null, "actor_type" "audit_actor_type" not null, "actor_user_id" uuid null, "actor_api_key_id" uuid null, "actor_name" varchar(100) null, "action" varchar(100) not null, "target_type" varchar(100) null, "target_id" varchar(100) null, "result" "audit_result" not null, "error_code" varchar(64) null, "request_id" varchar(100) not null, "ip" varchar(64) null, "user_agent" varchar(512) null, "browser" varchar(100) null, "os" varchar(100) null, "device_type" varchar(32) null, "personal_salt" varchar(32) null, "personal_digest" varchar(64) not null, "redacted_at" timestamptz null, "prev_hash" varchar(64) not null, "hash" varchar(64) not null, primary key ("id"));`);
    this.addSql(`create index "audit_entry_occurred_at_index" on "audit_entry" ("occurred_at");`);
    this.addSql(`create index "audit_entry_tenant_id_occurred_at_index" on "audit_entry" ("tenant_id", "occurred_at");`);
    this.addSql(`alter table "audit_entry" add constraint "audit_entry_chain_key_chain_seq_unique" unique ("chain_key", "chain_seq");`);

    this.addSql(`alter table "audit_chain_head" enable row level security;`);
    this.addSql(`alter table "audit_chain_head" force row level security;`);
    this.addSql(`create policy "own_chain" on "audit_chain_head" to "crm_app" using (chain_key = coalesce(nullif(current_setting('app.tenant_id', true), '')::uuid, '00000000-0000-0000-0000-000000000000'::uuid)) with check (chain_key = coalesce(nullif(current_setting('app.tenant_id', true), '')::uuid, '00000000-0000-0000-0000-000000000000'::uuid));`);
    this.addSql(`create policy "staff_append" on "audit_chain_head" to "crm_support" using (true) with check (true);`);

    this.addSql(`create or replace function "audit_entry_audit_entry_append_only_fn"() returns trigger as \$\$ begin if tg_op = 'DELETE' then
          raise exception 'audit entries are append-only' using errcode = 'insufficient_privilege';         end if;         if (new.id, new.tenant_id, new.chain_key, new.chain_seq, new.occurred_at, new.actor_type, new.actor_user_id, new.actor_api_key_id, new.actor_name, new.action, new.target_type, new.target_id, new.result, new.error_code, new.request_id, new.personal_digest, new.prev_hash, new.hash) is distinct from (old.id, old.tenant_id, old.chain_key, old.chain_seq, old.occurred_at, old.actor_type, old.actor_user_id, old.actor_api_key_id, old.actor_name, old.action, old.target_type, old.target_id, old.result, old.error_code, old.request_id, old.personal_digest, old.prev_hash, old.hash) or new.redacted_at is null then
          raise exception 'audit entries change only by redacting personal fields' using errcode = 'insufficient_privilege';         end if;         return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_entry_append_only" BEFORE UPDATE OR DELETE on "audit_entry" for each ROW execute function "audit_entry_audit_entry_append_only_fn"();`);
    this.addSql(`create or replace function "audit_entry_audit_entry_no_truncate_fn"() returns trigger as \$\$ begin raise exception 'audit entries are append-only' using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_entry_no_truncate" BEFORE TRUNCATE on "audit_entry" for each STATEMENT execute function "audit_entry_audit_entry_no_truncate_fn"();`);
    this.addSql(`alter table "audit_entry" enable row level security;`);
    this.addSql(`alter table "audit_entry" force row level security;`);
    this.addSql(`create policy "tenant_read" on "audit_entry" for select to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "tenant_append" on "audit_entry" for insert to "crm_app" with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid or (tenant_id is null and nullif(current_setting('app.tenant_id', true), '')::uuid is null));`);
    this.addSql(`create policy "staff_append" on "audit_entry" for insert to "crm_support" with check (true);`);
    this.addSql(`create policy "maintenance" on "audit_entry" to "crm_maintenance" using (true) with check (true);`);

    this.addSql(`revoke update, delete, truncate on "audit_entry" from crm_app;`);
    this.addSql(`revoke delete, truncate on "audit_chain_head" from crm_app;`);
    this.addSql(`grant usage on schema public to crm_support, crm_maintenance;`);
    this.addSql(`grant insert on "audit_entry" to crm_support;`);
    this.addSql(`grant select, insert, update on "audit_chain_head" to crm_support;`);
    this.addSql(`grant select, update ("ip", "personal_salt", "redacted_at") on "audit_entry" to crm_maintenance;`);
    this.addSql(`grant select, update ("ip") on "refresh_session" to crm_maintenance;`);
    this.addSql(`create policy "maintenance" on "refresh_session" to "crm_maintenance" using (true) with check (true);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop policy "maintenance" on "refresh_session";`);
    this.addSql(`revoke all on "refresh_session" from crm_maintenance;`);
    this.addSql(`drop table if exists "audit_chain_head" cascade;`);
    this.addSql(`drop trigger if exists "audit_entry_append_only" on "audit_entry";`);
    this.addSql(`drop function if exists "audit_entry_audit_entry_append_only_fn"();`);
    this.addSql(`drop trigger if exists "audit_entry_no_truncate" on "audit_entry";`);
    this.addSql(`drop function if exists "audit_entry_audit_entry_no_truncate_fn"();`);
    this.addSql(`drop table if exists "audit_entry" cascade;`);

    this.addSql(`drop type "audit_actor_type";`);
    this.addSql(`drop type "audit_result";`);
  }

}
