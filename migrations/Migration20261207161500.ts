import { Migration } from '@mikro-orm/migrations';

/**
 * One job queue for all background work (the `job` table), and the privacy requests' jobs moved onto it: every
 * verified request's attempts, last error, due time and lease become its job (keyed by the request id), so that a job
 * in flight, waiting for its retry or given up, carries on where it was; then the request loses its own job columns.
 * A tenant's session sees and enqueues only its tenant's jobs, a user only their own tenant-less ones; crm_maintenance
 * claims them all. crm_maintenance no longer changes requests at all.
 */
export class Migration20261207161500 extends Migration {

  override name = 'Migration20261207161500';

  override up(): void | Promise<void> {
    this.addSql(`create type "job_status" as enum ('PENDING', 'DONE', 'GAVE_UP', 'CANCELLED');`);
    this.addSql(`create table "job" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "kind" varchar(60) not null, "key" varchar(255) not null, "tenant_id" uuid null, "user_id" uuid null, "status" "job_status" not null default 'PENDING', "attempts" int not null default 0, "last_error" varchar(2000) null, "run_at" timestamptz null, "locked_until" timestamptz null, "finished_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "job" add constraint "job_kind_key_unique" unique ("kind", "key");`);
    this.addSql(`create index "job_due" on "job" ("kind", "run_at") where status = 'PENDING';`);
    this.addSql(`alter table "job" enable row level security;`);
    this.addSql(`alter table "job" force row level security;`);
    this.addSql(`create policy "tenant_jobs" on "job" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "own_jobs" on "job" to "crm_app" using (tenant_id is null and user_id = nullif(current_setting('app.user_id', true), '')::uuid) with check (tenant_id is null and user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);
    this.addSql(`create policy "maintenance" on "job" to "crm_maintenance" using (true) with check (true);`);
    this.addSql(`grant select, insert, update, delete on "job" to crm_app;`);
    this.addSql(`grant select, insert, update on "job" to crm_maintenance;`);

    // The jobs of verified requests, whatever their state; the request id is the job's id and key.
    this.addSql(`insert into "job" ("id", "created_at", "updated_at", "kind", "key", "tenant_id", "user_id", "status", "attempts", "last_error", "run_at", "locked_until", "finished_at")
      select r.id, coalesce(r.verified_at, r.created_at), r.updated_at, 'privacy-request', r.id::text, r.tenant_id,
             case when r.tenant_id is null then r.subject_user_id end,
             (case when r.status in ('VERIFIED', 'IN_PROGRESS') then (case when r.next_attempt_at is null then 'GAVE_UP' else 'PENDING' end)
                   when r.status = 'COMPLETED' then 'DONE' else 'CANCELLED' end)::job_status,
             r.attempts, r.last_error,
             case when r.status in ('VERIFIED', 'IN_PROGRESS') then r.next_attempt_at end,
             case when r.status in ('VERIFIED', 'IN_PROGRESS') then r.locked_until end,
             case when r.status not in ('VERIFIED', 'IN_PROGRESS') or r.next_attempt_at is null then coalesce(r.closed_at, r.updated_at) end
        from "data_subject_request" r
       where r.verified_at is not null or r.attempts > 0;`);

    this.addSql(`drop index if exists "data_subject_request_next_attempt_at_index";`);
    this.addSql(`alter table "data_subject_request" drop column "attempts", drop column "last_error", drop column "next_attempt_at", drop column "locked_until";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "data_subject_request" add column "attempts" int not null default 0, add column "last_error" varchar(2000) null, add column "next_attempt_at" timestamptz null, add column "locked_until" timestamptz null;`);
    this.addSql(`create index "data_subject_request_next_attempt_at_index" on "data_subject_request" ("next_attempt_at");`);
    this.addSql(`update "data_subject_request" r set "attempts" = j.attempts, "last_error" = j.last_error, "next_attempt_at" = j.run_at, "locked_until" = j.locked_until
      from "job" j where j.kind = 'privacy-request' and j.key = r.id::text;`);
    this.addSql(`grant update ("locked_until", "attempts") on "data_subject_request" to crm_maintenance;`);
    this.addSql(`drop table if exists "job" cascade;`);
    this.addSql(`drop type "job_status";`);
  }

}
