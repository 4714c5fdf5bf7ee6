import { Migration } from '@mikro-orm/migrations';

/**
 * Billing: each tenant's billing account (Stripe customer, subscription state, card brand/last4/expiry), its invoices
 * (a legal-hold record: the app role may not delete them), and the Stripe webhook events, stored once by id. Only the
 * webhook path (crm_maintenance) reaches the events, and of billing accounts only which tenant a Stripe customer is.
 */
export class Migration20261125084957 extends Migration {

  override name = 'Migration20261125084957';

  override up(): void | Promise<void> {
    this.addSql(`create type "invoice_status" as enum ('DRAFT', 'OPEN', 'PAID', 'UNCOLLECTIBLE', 'VOID');`);
    this.addSql(`create type "subscription_status" as enum ('TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELED', 'INCOMPLETE', 'UNPAID');`);
    this.addSql(`create table "stripe_event" ("id" text not null, "type" varchar(100) not null, "object_id" varchar(255) null, "stripe_customer_id" varchar(255) null, "event_created_at" timestamptz not null, "livemode" boolean not null, "received_at" timestamptz not null, "processed_at" timestamptz null, "outcome" varchar(200) null, "attempts" int not null default 0, "last_error" varchar(2000) null, "next_attempt_at" timestamptz null, "locked_until" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "stripe_event_next_attempt_at_index" on "stripe_event" ("next_attempt_at");`);

    this.addSql(`create table "billing_invoice" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "stripe_invoice_id" varchar(255) not null, "number" varchar(100) null, "amount_due" bigint not null, "amount_paid" bigint not null, "currency" varchar(3) not null, "status" "invoice_status" not null, "period_start" timestamptz not null, "period_end" timestamptz not null, "hosted_invoice_url" text null, "invoice_pdf_url" text null, "issued_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "billing_invoice_tenant_id_index" on "billing_invoice" ("tenant_id");`);
    this.addSql(`alter table "billing_invoice" add constraint "billing_invoice_stripe_invoice_id_unique" unique ("stripe_invoice_id");`);
    this.addSql(`create index "billing_invoice_tenant_id_issued_at_id_index" on "billing_invoice" ("tenant_id", "issued_at", "id");`);

    this.addSql(`create table "billing_account" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "stripe_customer_id" varchar(255) null, "stripe_subscription_id" varchar(255) null, "stripe_subscription_item_id" varchar(255) null, "plan_code" varchar(40) null, "status" "subscription_status" null, "seats" int null, "current_period_end" timestamptz null, "cancel_at_period_end" boolean not null default false, "lapsed_at" timestamptz null, "card_brand" varchar(30) null, "card_last4" varchar(4) null, "card_exp_month" smallint null, "card_exp_year" smallint null, "synced_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "billing_account_tenant_id_index" on "billing_account" ("tenant_id");`);
    this.addSql(`alter table "billing_account" add constraint "billing_account_stripe_customer_id_unique" unique ("stripe_customer_id");`);
    this.addSql(`alter table "billing_account" add constraint "billing_account_tenant_id_unique" unique ("tenant_id");`);

    this.addSql(`alter table "stripe_event" enable row level security;`);
    this.addSql(`alter table "stripe_event" force row level security;`);
    this.addSql(`create policy "maintenance" on "stripe_event" to "crm_maintenance" using (true) with check (true);`);

    this.addSql(`alter table "billing_invoice" add constraint "billing_invoice_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "billing_invoice" enable row level security;`);
    this.addSql(`alter table "billing_invoice" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "billing_invoice" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);

    this.addSql(`alter table "billing_account" add constraint "billing_account_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "billing_account" enable row level security;`);
    this.addSql(`alter table "billing_account" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "billing_account" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
    this.addSql(`create policy "maintenance" on "billing_account" to "crm_maintenance" using (true) with check (true);`);

    this.addSql(`revoke all on "stripe_event" from crm_app;`);
    this.addSql(`grant select, insert, update on "stripe_event" to crm_maintenance;`);
    this.addSql(`grant select ("tenant_id", "stripe_customer_id") on "billing_account" to crm_maintenance;`);
    this.addSql(`revoke delete, truncate on "billing_invoice" from crm_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`revoke all on "stripe_event", "billing_account" from crm_maintenance;`);
    this.addSql(`drop table if exists "stripe_event" cascade;`);
    this.addSql(`drop table if exists "billing_invoice" cascade;`);
    this.addSql(`drop table if exists "billing_account" cascade;`);

    this.addSql(`drop type "invoice_status";`);
    this.addSql(`drop type "subscription_status";`);
  }

}
