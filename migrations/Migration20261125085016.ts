import { Migration } from '@mikro-orm/migrations';

export class Migration20261125085016 extends Migration {

  override name = 'Migration20261125085016';

  override up(): void | Promise<void> {
    this.addSql(`drop trigger if exists "audit_entry_append_only" on "audit_entry";`);
    this.addSql(`drop function if exists "audit_entry_audit_entry_append_only_fn"();`);
    this.addSql(`create or replace function "audit_entry_audit_entry_append_only_fn"() returns trigger as \$\$ begin if tg_op = 'DELETE' then
          if old.tenant_id is not null and old.tenant_id::text = current_setting('app.purging_tenant_id', true) then
            return old;           end if;           raise exception 'audit entries are append-only' using errcode = 'insufficient_privilege';         end if;         if (new.id, new.tenant_id, new.chain_key, new.chain_seq, new.occurred_at, new.actor_type, new.actor_user_id, new.actor_api_key_id, new.actor_name, new.action, new.target_type, new.target_id, new.result, new.error_code, new.request_id, new.personal_digest, new.prev_hash, new.hash) is distinct from (old.id, old.tenant_id, old.chain_key, old.chain_seq, old.occurred_at, old.actor_type, old.actor_user_id, old.actor_api_key_id, old.actor_name, old.action, old.target_type, old.target_id, old.result, old.error_code, old.request_id, old.personal_digest, old.prev_hash, old.hash) or new.redacted_at is null then
          raise exception 'audit entries change only by redacting personal fields' using errcode = 'insufficient_privilege';         end if;         return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_entry_append_only" BEFORE UPDATE OR DELETE on "audit_entry" for each ROW execute function "audit_entry_audit_entry_append_only_fn"();`);

    this.addSql(`alter type "tenant_status" add value if not exists 'PURGED' after 'CLOSED';`);
    this.addSql(`alter table "tenant" add "tax_retention_years" smallint not null default 10, add "closed_at" timestamptz null, add "purge_after" timestamptz null, add "purged_at" timestamptz null, add "legal_hold_until" timestamptz null;`);
    this.addSql(`create index "tenant_purge_after_index" on "tenant" ("purge_after");`);

    this.addSql(`drop trigger if exists "append_only" on "contact_consent_event";`);
    this.addSql(`drop function if exists "contact_consent_event_append_only_fn"();`);
    this.addSql(`create or replace function "contact_consent_event_append_only_fn"() returns trigger as \$\$ begin if tg_op = 'DELETE' and old.tenant_id::text = current_setting('app.purging_tenant_id', true) then
          return old;         end if;         raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE UPDATE OR DELETE on "contact_consent_event" for each ROW execute function "contact_consent_event_append_only_fn"();`);
    this.addSql(`create policy "tenant_purge" on "contact_consent_event" for all to "crm_maintenance" using (tenant_id = nullif(current_setting('app.purging_tenant_id', true), '')::uuid);`);

    this.addSql(`create policy "tenant_purge" on "audit_chain_head" for all to "crm_maintenance" using (chain_key = nullif(current_setting('app.purging_tenant_id', true), '')::uuid);`);

    this.addSql(`alter type "permission" add value if not exists 'TENANT_CLOSE' after 'TENANT_MANAGE';`);

    // The tenant purge (as crm_maintenance): find due tenants, delete a purged tenant's consent ledger and, when its
    // legal hold ends, its audit trail (the triggers allow both only for the tenant the purge names), and redact the
    // trail's device data. Row-level security and the triggers still decide which rows.
    this.addSql(`grant select ("id", "status", "purge_after", "legal_hold_until") on "tenant" to crm_maintenance;`);
    this.addSql(`grant select, delete on "contact_consent_event" to crm_maintenance;`);
    this.addSql(`grant delete, update ("user_agent", "browser", "os", "device_type") on "audit_entry" to crm_maintenance;`);
    this.addSql(`grant select, delete on "audit_chain_head" to crm_maintenance;`);
    this.addSql(`grant delete on "data_subject_request" to crm_maintenance;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`revoke delete on "data_subject_request" from crm_maintenance;`);
    this.addSql(`revoke select, delete on "audit_chain_head" from crm_maintenance;`);
    this.addSql(`drop policy "tenant_purge" on "audit_chain_head";`);
    this.addSql(`revoke delete, update ("user_agent", "browser", "os", "device_type") on "audit_entry" from crm_maintenance;`);
    this.addSql(`revoke select, delete on "contact_consent_event" from crm_maintenance;`);
    this.addSql(`revoke select ("id", "status", "purge_after", "legal_hold_until") on "tenant" from crm_maintenance;`);
    this.addSql(`drop policy "tenant_purge" on "contact_consent_event";`);

    this.addSql(`drop trigger if exists "audit_entry_append_only" on "audit_entry";`);
    this.addSql(`drop function if exists "audit_entry_audit_entry_append_only_fn"();`);
    this.addSql(`create or replace function "audit_entry_audit_entry_append_only_fn"() returns trigger as \$\$ begin if tg_op = 'DELETE' then
          raise exception 'audit entries are append-only' using errcode = 'insufficient_privilege';         end if;         if (new.id, new.tenant_id, new.chain_key, new.chain_seq, new.occurred_at, new.actor_type, new.actor_user_id, new.actor_api_key_id, new.actor_name, new.action, new.target_type, new.target_id, new.result, new.error_code, new.request_id, new.personal_digest, new.prev_hash, new.hash) is distinct from (old.id, old.tenant_id, old.chain_key, old.chain_seq, old.occurred_at, old.actor_type, old.actor_user_id, old.actor_api_key_id, old.actor_name, old.action, old.target_type, old.target_id, old.result, old.error_code, old.request_id, old.personal_digest, old.prev_hash, old.hash) or new.redacted_at is null then
          raise exception 'audit entries change only by redacting personal fields' using errcode = 'insufficient_privilege';         end if;         return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_entry_append_only" BEFORE DELETE OR UPDATE on "audit_entry" for each ROW execute function "audit_entry_audit_entry_append_only_fn"();`);

    this.addSql(`drop trigger if exists "append_only" on "contact_consent_event";`);
    this.addSql(`drop function if exists "contact_consent_event_append_only_fn"();`);
    this.addSql(`create or replace function "contact_consent_event_append_only_fn"() returns trigger as \$\$ begin raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE DELETE OR UPDATE on "contact_consent_event" for each ROW execute function "contact_consent_event_append_only_fn"();`);

    this.addSql(`drop index "tenant_purge_after_index";`);
    this.addSql(`alter table "tenant" drop column "tax_retention_years", drop column "closed_at", drop column "purge_after", drop column "purged_at", drop column "legal_hold_until";`);
  }

}
