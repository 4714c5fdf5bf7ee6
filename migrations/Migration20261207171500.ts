import { Migration } from '@mikro-orm/migrations';

/**
 * Stripe events' retries move onto the job queue: each stored event gets its `stripe-event` job (keyed by the event
 * id) with its attempts, last error, due time and lease, so an event waiting for its retry is still retried; then the
 * event keeps only what applying it did (processed_at, outcome). Platform jobs: no tenant, reached by crm_maintenance.
 */
export class Migration20261207171500 extends Migration {

  override name = 'Migration20261207171500';

  override up(): void | Promise<void> {
    this.addSql(`insert into "job" ("id", "created_at", "updated_at", "kind", "key", "tenant_id", "user_id", "status", "attempts", "last_error", "run_at", "locked_until", "finished_at")
      select gen_random_uuid(), e.received_at, coalesce(e.processed_at, e.received_at), 'stripe-event', e.id, null, null,
             (case when e.processed_at is null then 'PENDING' else 'DONE' end)::job_status,
             e.attempts, e.last_error,
             case when e.processed_at is null then coalesce(e.next_attempt_at, e.received_at) end,
             case when e.processed_at is null then e.locked_until end,
             e.processed_at
        from "stripe_event" e
          on conflict ("kind", "key") do nothing;`);
    this.addSql(`drop index if exists "stripe_event_next_attempt_at_index";`);
    this.addSql(`alter table "stripe_event" drop column "attempts", drop column "last_error", drop column "next_attempt_at", drop column "locked_until";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "stripe_event" add column "attempts" int not null default 0, add column "last_error" varchar(2000) null, add column "next_attempt_at" timestamptz null, add column "locked_until" timestamptz null;`);
    this.addSql(`create index "stripe_event_next_attempt_at_index" on "stripe_event" ("next_attempt_at");`);
    this.addSql(`update "stripe_event" e set "attempts" = j.attempts, "last_error" = j.last_error, "next_attempt_at" = j.run_at, "locked_until" = j.locked_until
      from "job" j where j.kind = 'stripe-event' and j.key = e.id;`);
    this.addSql(`delete from "job" where kind = 'stripe-event';`);
  }

}
