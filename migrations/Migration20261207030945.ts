import { Migration } from '@mikro-orm/migrations';

/**
 * Erasure replaces a subject's identifiers in free text, consent notes included: the consent ledgers, append-only,
 * let the app role change a row's `note` (and nothing else in it) only while the session says erasure is doing so.
 */
export class Migration20261207030945 extends Migration {

  override name = 'Migration20261207030945';

  override up(): void | Promise<void> {
    this.addSql(`drop trigger if exists "append_only" on "consent_event";`);
    this.addSql(`drop function if exists "consent_event_append_only_fn"();`);
    this.addSql(`create or replace function "consent_event_append_only_fn"() returns trigger as \$\$ begin if tg_op = 'UPDATE' and current_setting('app.erasing_mentions', true) = 'on'
           and to_jsonb(new) - array['note'] = to_jsonb(old) - array['note'] then
          return new;         end if;         raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE UPDATE OR DELETE on "consent_event" for each ROW execute function "consent_event_append_only_fn"();`);

    this.addSql(`drop trigger if exists "append_only" on "contact_consent_event";`);
    this.addSql(`drop function if exists "contact_consent_event_append_only_fn"();`);
    this.addSql(`create or replace function "contact_consent_event_append_only_fn"() returns trigger as \$\$ begin if tg_op = 'DELETE' and old.tenant_id::text = current_setting('app.purging_tenant_id', true) then
          return old;         end if;         if tg_op = 'UPDATE' and current_setting('app.erasing_mentions', true) = 'on'
           and to_jsonb(new) - array['note'] = to_jsonb(old) - array['note'] then
          return new;         end if;         raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE UPDATE OR DELETE on "contact_consent_event" for each ROW execute function "contact_consent_event_append_only_fn"();`);

    this.addSql(`grant update ("note") on "consent_event", "contact_consent_event" to crm_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`revoke update ("note") on "consent_event", "contact_consent_event" from crm_app;`);

    this.addSql(`drop trigger if exists "append_only" on "consent_event";`);
    this.addSql(`drop function if exists "consent_event_append_only_fn"();`);
    this.addSql(`create or replace function "consent_event_append_only_fn"() returns trigger as \$\$ begin raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE DELETE OR UPDATE on "consent_event" for each ROW execute function "consent_event_append_only_fn"();`);

    this.addSql(`drop trigger if exists "append_only" on "contact_consent_event";`);
    this.addSql(`drop function if exists "contact_consent_event_append_only_fn"();`);
    this.addSql(`create or replace function "contact_consent_event_append_only_fn"() returns trigger as \$\$ begin if tg_op = 'DELETE' and old.tenant_id::text = current_setting('app.purging_tenant_id', true) then
          return old;         end if;         raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE DELETE OR UPDATE on "contact_consent_event" for each ROW execute function "contact_consent_event_append_only_fn"();`);
  }

}
