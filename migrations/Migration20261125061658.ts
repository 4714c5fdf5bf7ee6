import { createHash } from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';
import { v7 as uuidv7 } from 'uuid';

/**
 * The consent module: purposes' ledgers (users and visitors; contacts per tenant), the suppression list, policy
 * documents and their acceptance, the PLATFORM_ADMIN role, and version 1 of each policy.
 */

/** The ledgers, the suppression list and the policy tables: rows are added, never changed or removed. */
const APPEND_ONLY = ['consent_event', 'contact_consent_event', 'consent_suppression', 'policy_document', 'policy_acceptance'];

const EFFECTIVE = '2026-11-25T00:00:00Z';

/** A dollar-quoted literal: the texts hold apostrophes. */
const quoted = (text: string) => `$policy$${text}$policy$`;

/** Version 1 of each policy, in effect from the launch of the consent module. */
const POLICIES: Record<'PRIVACY_POLICY' | 'TERMS' | 'COOKIE_POLICY', string> = {
  PRIVACY_POLICY: `PromoX CRM Privacy Policy, version 1 (effective 25 November 2026)

PromoX provides a CRM for promotional-products distributors. This policy explains what we collect and why.

1. What we collect. Account information (name, company, email, phone, address, billing details; for cards only the brand and last four digits). Business data you store: clients, contacts, orders and communications. Support requests, with the messages and files you send us. Usage data (pages, features, actions, session duration) and device and log data (browser, operating system, IP address), collected only as described in our Cookie Policy.
2. Why. To provide and secure the service, process payments and manage subscriptions, answer support requests, and, only with your consent, to analyse usage, personalise the product and send you marketing. You can withdraw consent at any time, as easily as you gave it.
3. Sharing. We do not sell personal data. Service providers that process data for us (hosting, billing, email) are listed in the subprocessor register. Integrations you enable (for example SAGE, QuickBooks, Stripe) receive the data you send them.
4. Security. Data is encrypted in transit and at rest, and each company's data is isolated from every other's.
5. Retention. We keep data while your account is open and delete it securely after closure, unless the law requires us to keep it (for example invoices).
6. Your rights. You may access, copy, correct, delete and port your data, and object to or withdraw consent for marketing. Contact privacy@promox.example.
7. Children. PromoX is not for people under 16.
8. Changes. We publish a new version with a new effective date and ask you to accept it before you continue.`,
  TERMS: `PromoX CRM Terms of Service, version 1 (effective 25 November 2026)

1. The service. PromoX provides a hosted CRM for promotional-products distributors, on a subscription.
2. Accounts. You must be 16 or older. You are responsible for your account, your members' access and your API keys.
3. Your data. You own the business data you store. You instruct us to process it to provide the service; you are responsible for having a lawful basis for the personal data of your clients and contacts, including consent for marketing.
4. Acceptable use. No unlawful content, spam, or attempts to reach other customers' data or to disrupt the service.
5. Fees. Subscriptions are billed in advance through Stripe; seats beyond your plan are billed as stated at purchase.
6. Termination. You may close your account at any time; we delete your data as the Privacy Policy describes.
7. Liability. The service is provided with reasonable care; our liability is limited to the fees paid in the last 12 months, except where the law does not allow a limit.
8. Changes. We publish a new version with a new effective date; continuing to use PromoX requires accepting it.`,
  COOKIE_POLICY: `PromoX CRM Cookie Policy, version 1 (effective 25 November 2026)

Essential: the log-in session, security and rate limiting, and remembering your cookie choices. Always on: the service does not work without them.
Analytics (only with your consent): usage data (pages, features, actions, session duration) to measure and improve PromoX.
Personalization (only with your consent): personalised content and marketing based on how you use PromoX.
You can change your choices at any time in the cookie banner or your privacy settings; withdrawing takes one click, like granting.`,
};

export class Migration20261125061658 extends Migration {

  override name = 'Migration20261125061658';

  override up(): void | Promise<void> {
    this.addSql(`create type "policy_kind" as enum ('PRIVACY_POLICY', 'TERMS', 'COOKIE_POLICY');`);
    this.addSql(`create type "consent_purpose" as enum ('ESSENTIAL', 'ANALYTICS', 'PERSONALIZATION', 'MARKETING_EMAIL', 'MARKETING_SMS');`);
    this.addSql(`create type "consent_status" as enum ('GRANTED', 'WITHDRAWN');`);
    this.addSql(`create type "consent_source" as enum ('SIGN_UP', 'COOKIE_BANNER', 'ACCOUNT_SETTINGS', 'API', 'DATA_SUBJECT_REQUEST');`);
    this.addSql(`create type "suppression_channel" as enum ('EMAIL', 'SMS');`);
    this.addSql(`create type "suppression_reason" as enum ('WITHDRAWAL', 'OBJECTION');`);
    this.addSql(`create table "policy_document" ("id" uuid not null, "created_at" timestamptz not null, "kind" "policy_kind" not null, "version" int not null, "effective_at" timestamptz not null, "text" text not null, "content_hash" varchar(64) not null, "published_by_user_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "policy_document_kind_effective_at_index" on "policy_document" ("kind", "effective_at");`);
    this.addSql(`alter table "policy_document" add constraint "policy_document_kind_version_unique" unique ("kind", "version");`);

    this.addSql(`create table "policy_acceptance" ("id" uuid not null, "created_at" timestamptz not null, "user_id" uuid not null, "policy_document_id" uuid not null, "ip" varchar(64) null, "user_agent" varchar(512) null, primary key ("id"));`);
    this.addSql(`alter table "policy_acceptance" add constraint "policy_acceptance_user_id_policy_document_id_unique" unique ("user_id", "policy_document_id");`);

    this.addSql(`create table "consent_event" ("id" uuid not null, "created_at" timestamptz not null, "user_id" uuid null, "visitor_id" varchar(64) null, "purpose" "consent_purpose" not null, "status" "consent_status" not null, "source" "consent_source" not null, "policy_document_id" uuid null, "ip" varchar(64) null, "user_agent" varchar(512) null, "recorded_by_user_id" uuid null, "linked_visitor_id" varchar(64) null, "note" varchar(500) null, primary key ("id"));`);
    this.addSql(`create index "consent_event_visitor_id_purpose_created_at_id_index" on "consent_event" ("visitor_id", "purpose", "created_at", "id");`);
    this.addSql(`create index "consent_event_user_id_purpose_created_at_id_index" on "consent_event" ("user_id", "purpose", "created_at", "id");`);

    this.addSql(`create table "consent_suppression" ("id" uuid not null, "created_at" timestamptz not null, "channel" "suppression_channel" not null, "identifier_hash" varchar(64) not null, "reason" "suppression_reason" not null, primary key ("id"));`);
    this.addSql(`alter table "consent_suppression" add constraint "consent_suppression_channel_identifier_hash_unique" unique ("channel", "identifier_hash");`);

    this.addSql(`create table "contact_consent_event" ("id" uuid not null, "created_at" timestamptz not null, "tenant_id" uuid not null, "contact_id" uuid not null, "purpose" "consent_purpose" not null, "status" "consent_status" not null, "source" "consent_source" not null, "policy_document_id" uuid null, "ip" varchar(64) null, "user_agent" varchar(512) null, "recorded_by_user_id" uuid null, "recorded_by_api_key_id" uuid null, "note" varchar(500) null, primary key ("id"));`);
    this.addSql(`create index "contact_consent_event_tenant_id_index" on "contact_consent_event" ("tenant_id");`);
    this.addSql(`create index "contact_consent_event_tenant_id_contact_id_purpose_cc686_index" on "contact_consent_event" ("tenant_id", "contact_id", "purpose", "created_at", "id");`);

    this.addSql(`alter type "platform_role" add value if not exists 'PLATFORM_ADMIN' after 'SUPPORT';`);

    this.addSql(`create or replace function "policy_document_append_only_fn"() returns trigger as \$\$ begin raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE UPDATE OR DELETE on "policy_document" for each ROW execute function "policy_document_append_only_fn"();`);

    this.addSql(`alter table "policy_acceptance" add constraint "policy_acceptance_policy_document_id_foreign" foreign key ("policy_document_id") references "policy_document" ("id") on delete restrict;`);
    this.addSql(`create or replace function "policy_acceptance_append_only_fn"() returns trigger as \$\$ begin raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE UPDATE OR DELETE on "policy_acceptance" for each ROW execute function "policy_acceptance_append_only_fn"();`);

    this.addSql(`alter table "consent_event" add constraint "consent_event_policy_document_id_foreign" foreign key ("policy_document_id") references "policy_document" ("id") on delete restrict;`);
    this.addSql(`alter table "consent_event" add constraint "consent_event_one_subject" check ((user_id is null) <> (visitor_id is null));`);
    this.addSql(`create or replace function "consent_event_append_only_fn"() returns trigger as \$\$ begin raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE UPDATE OR DELETE on "consent_event" for each ROW execute function "consent_event_append_only_fn"();`);
    this.addSql(`alter table "consent_event" enable row level security;`);
    this.addSql(`create policy "app_access" on "consent_event" to "crm_app", "crm_auth" using (true) with check (true);`);
    this.addSql(`create policy "staff_own_select" on "consent_event" for select to "crm_support" using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);

    this.addSql(`create or replace function "consent_suppression_append_only_fn"() returns trigger as \$\$ begin raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE UPDATE OR DELETE on "consent_suppression" for each ROW execute function "consent_suppression_append_only_fn"();`);

    this.addSql(`alter table "contact_consent_event" add constraint "contact_consent_event_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "contact_consent_event" add constraint "contact_consent_event_policy_document_id_foreign" foreign key ("policy_document_id") references "policy_document" ("id") on delete restrict;`);
    this.addSql(`create or replace function "contact_consent_event_append_only_fn"() returns trigger as \$\$ begin raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "append_only" BEFORE UPDATE OR DELETE on "contact_consent_event" for each ROW execute function "contact_consent_event_append_only_fn"();`);
    this.addSql(`alter table "contact_consent_event" enable row level security;`);
    this.addSql(`alter table "contact_consent_event" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "contact_consent_event" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);

    // Append-only, in two more layers than the row triggers above: the app role may only read and add rows (default
    // privileges granted it more), and TRUNCATE, which row triggers do not see, is refused for everyone as well.
    this.addSql(`create function refuse_append_only_truncate() returns trigger language plpgsql as $$ begin raise exception '% is append-only: TRUNCATE is not allowed', tg_table_name using errcode = 'insufficient_privilege'; end $$;`);
    for (const table of APPEND_ONLY) {
      this.addSql(`revoke update, delete, truncate on "${table}" from crm_app;`);
      this.addSql(`grant select, insert on "${table}" to crm_app;`);
      this.addSql(`create trigger "append_only_truncate" before truncate on "${table}" for each statement execute function refuse_append_only_truncate();`);
    }
    // Support staff reach only their own consent (policy staff_own_select) and the public policy texts.
    this.addSql(`grant select on "consent_event", "policy_document" to crm_support;`);

    for (const [kind, text] of Object.entries(POLICIES)) {
      const hash = createHash('sha256').update(text, 'utf8').digest('hex');
      this.addSql(
        `insert into "policy_document" ("id", "created_at", "kind", "version", "effective_at", "text", "content_hash") values ('${uuidv7()}', now(), '${kind}', 1, '${EFFECTIVE}', ${quoted(text)}, '${hash}');`,
      );
    }
  }

  override down(): void | Promise<void> {
    for (const table of APPEND_ONLY) this.addSql(`drop trigger "append_only_truncate" on "${table}";`);
    this.addSql(`drop function refuse_append_only_truncate();`);
    this.addSql(`alter table "policy_acceptance" drop constraint "policy_acceptance_policy_document_id_foreign";`);
    this.addSql(`alter table "consent_event" drop constraint "consent_event_policy_document_id_foreign";`);
    this.addSql(`alter table "contact_consent_event" drop constraint "contact_consent_event_policy_document_id_foreign";`);

    this.addSql(`drop trigger if exists "append_only" on "policy_document";`);
    this.addSql(`drop function if exists "policy_document_append_only_fn"();`);
    this.addSql(`drop table if exists "policy_document" cascade;`);
    this.addSql(`drop trigger if exists "append_only" on "policy_acceptance";`);
    this.addSql(`drop function if exists "policy_acceptance_append_only_fn"();`);
    this.addSql(`drop table if exists "policy_acceptance" cascade;`);
    this.addSql(`drop trigger if exists "append_only" on "consent_event";`);
    this.addSql(`drop function if exists "consent_event_append_only_fn"();`);
    this.addSql(`drop table if exists "consent_event" cascade;`);
    this.addSql(`drop trigger if exists "append_only" on "consent_suppression";`);
    this.addSql(`drop function if exists "consent_suppression_append_only_fn"();`);
    this.addSql(`drop table if exists "consent_suppression" cascade;`);
    this.addSql(`drop trigger if exists "append_only" on "contact_consent_event";`);
    this.addSql(`drop function if exists "contact_consent_event_append_only_fn"();`);
    this.addSql(`drop table if exists "contact_consent_event" cascade;`);

    this.addSql(`drop type "policy_kind";`);
    this.addSql(`drop type "consent_purpose";`);
    this.addSql(`drop type "consent_status";`);
    this.addSql(`drop type "consent_source";`);
    this.addSql(`drop type "suppression_channel";`);
    this.addSql(`drop type "suppression_reason";`);
  }

}
