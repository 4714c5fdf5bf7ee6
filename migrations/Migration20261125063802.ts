import { Migration } from '@mikro-orm/migrations';

/**
 * Data-subject requests and their history. A contact's request belongs to its tenant; a user's own request belongs to
 * no tenant and only that user (app.user_id) sees it. Requests are the record that a right was honoured, so the app
 * role can not delete them. crm_maintenance finds due jobs across tenants and leases them, and may change nothing else.
 * Tenants get their deadline rule (GDPR one month, or CCPA 45 days).
 */
export class Migration20261125063802 extends Migration {

  override name = 'Migration20261125063802';

  override up(): void | Promise<void> {
    this.addSql(`create type "data_subject_request_type" as enum ('ACCESS', 'PORTABILITY', 'RECTIFICATION', 'ERASURE', 'OBJECTION');`);
    this.addSql(`create type "data_subject_request_status" as enum ('RECEIVED', 'VERIFIED', 'IN_PROGRESS', 'COMPLETED', 'REJECTED', 'CANCELLED');`);
    this.addSql(`create type "data_subject_kind" as enum ('USER', 'CONTACT');`);
    this.addSql(`create type "privacy_deadline_rule" as enum ('GDPR_ONE_MONTH', 'CCPA_45_DAYS');`);
    this.addSql(`create type "identity_verification_method" as enum ('SESSION', 'ID_DOCUMENT', 'EMAIL_CONFIRMATION', 'PHONE_CALLBACK', 'KNOWN_CONTACT', 'OTHER');`);
    this.addSql(`create type "data_subject_request_event_kind" as enum ('RECEIVED', 'MERGED', 'VERIFIED', 'STARTED', 'STEP_COMPLETED', 'ATTEMPT_FAILED', 'GAVE_UP', 'DEADLINE_EXTENDED', 'COMPLETED', 'REJECTED', 'CANCELLED');`);
    this.addSql(`create type "privacy_event_actor_type" as enum ('USER', 'SYSTEM');`);
    this.addSql(`create table "data_subject_request" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid null, "type" "data_subject_request_type" not null, "status" "data_subject_request_status" not null default 'RECEIVED', "subject_kind" "data_subject_kind" not null, "subject_user_id" uuid null, "subject_contact_id" uuid null, "subject_key" varchar(60) not null, "changes" jsonb null, "received_at" timestamptz not null, "deadline_rule" "privacy_deadline_rule" not null, "due_at" timestamptz not null, "original_due_at" timestamptz not null, "extended_at" timestamptz null, "extension_reason" varchar(1000) null, "verified_at" timestamptz null, "verification_method" "identity_verification_method" null, "verification_note" varchar(1000) null, "verified_by_user_id" uuid null, "filed_by_user_id" uuid null, "handled_by_user_id" uuid null, "rejection_reason" varchar(1000) null, "closed_at" timestamptz null, "job_steps_done" text[] not null, "attempts" int not null default 0, "last_error" varchar(2000) null, "next_attempt_at" timestamptz null, "locked_until" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "data_subject_request_next_attempt_at_index" on "data_subject_request" ("next_attempt_at");`);
    this.addSql(`create index "data_subject_request_subject_user_id_created_at_id_index" on "data_subject_request" ("subject_user_id", "created_at", "id");`);
    this.addSql(`create index "data_subject_request_tenant_id_created_at_id_index" on "data_subject_request" ("tenant_id", "created_at", "id");`);
    this.addSql(`create unique index "data_subject_request_one_open" on "data_subject_request" ("subject_key", "type") where status in ('RECEIVED', 'VERIFIED', 'IN_PROGRESS');`);

    this.addSql(`create table "data_subject_request_event" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "request_id" uuid not null, "kind" "data_subject_request_event_kind" not null, "from_status" "data_subject_request_status" null, "to_status" "data_subject_request_status" null, "actor_type" "privacy_event_actor_type" not null, "actor_user_id" uuid null, "actor_name" varchar(100) null, "note" varchar(2000) null, "details" jsonb null, primary key ("id"));`);
    this.addSql(`create index "data_subject_request_event_request_id_index" on "data_subject_request_event" ("request_id");`);




    this.addSql(`alter table "tenant" add "privacy_deadline_rule" "privacy_deadline_rule" not null default 'GDPR_ONE_MONTH';`);

    this.addSql(`alter table "data_subject_request" add constraint "data_subject_request_subject" check ((subject_kind = 'USER' and subject_user_id is not null and subject_contact_id is null and tenant_id is null) or (subject_kind = 'CONTACT' and subject_contact_id is not null and subject_user_id is null and tenant_id is not null));`);
    this.addSql(`alter table "data_subject_request" enable row level security;`);
    this.addSql(`alter table "data_subject_request" force row level security;`);
    this.addSql(`create policy "tenant_requests" on "data_subject_request" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "own_requests" on "data_subject_request" to "crm_app" using (tenant_id is null and subject_user_id = nullif(current_setting('app.user_id', true), '')::uuid) with check (tenant_id is null and subject_user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);
    this.addSql(`create policy "maintenance" on "data_subject_request" to "crm_maintenance" using (true) with check (true);`);

    this.addSql(`alter table "data_subject_request_event" add constraint "data_subject_request_event_request_id_foreign" foreign key ("request_id") references "data_subject_request" ("id") on delete cascade;`);
    this.addSql(`alter table "data_subject_request_event" enable row level security;`);
    this.addSql(`alter table "data_subject_request_event" force row level security;`);
    this.addSql(`create policy "of_visible_request" on "data_subject_request_event" to "crm_app" using (exists (select 1 from data_subject_request r where r.id = request_id)) with check (exists (select 1 from data_subject_request r where r.id = request_id));`);

    this.addSql(`revoke delete, truncate on "data_subject_request", "data_subject_request_event" from crm_app;`);
    this.addSql(`grant select, update ("locked_until", "attempts") on "data_subject_request" to crm_maintenance;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`revoke all on "data_subject_request" from crm_maintenance;`);
    this.addSql(`alter table "data_subject_request_event" drop constraint "data_subject_request_event_request_id_foreign";`);

    this.addSql(`drop table if exists "data_subject_request" cascade;`);
    this.addSql(`drop table if exists "data_subject_request_event" cascade;`);

    this.addSql(`alter table "tenant" drop column "privacy_deadline_rule";`);

    this.addSql(`drop type "data_subject_request_type";`);
    this.addSql(`drop type "data_subject_request_status";`);
    this.addSql(`drop type "data_subject_kind";`);
    this.addSql(`drop type "privacy_deadline_rule";`);
    this.addSql(`drop type "identity_verification_method";`);
    this.addSql(`drop type "data_subject_request_event_kind";`);
    this.addSql(`drop type "privacy_event_actor_type";`);
  }

}
