import { Migration } from '@mikro-orm/migrations';

export class Migration20261125062059 extends Migration {

  override name = 'Migration20261125062059';

  override up(): void | Promise<void> {
    this.addSql(`create table "order_feed_mark" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "tenant_id" uuid not null, "change_xid" xid8 not null, "updated_up_to" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "order_feed_mark_tenant_id_index" on "order_feed_mark" ("tenant_id");`);
    this.addSql(`create index "order_feed_mark_tenant_id_created_at_index" on "order_feed_mark" ("tenant_id", "created_at");`);
    this.addSql(`create index "order_feed_mark_tenant_id_updated_up_to_index" on "order_feed_mark" ("tenant_id", "updated_up_to");`);

    this.addSql(`create or replace function "order_order_feed_mark_fn"() returns trigger as \$\$ begin insert into order_feed_mark (id, created_at, updated_at, tenant_id, change_xid, updated_up_to)
        select gen_random_uuid(), now(), now(), t.tenant_id, t.horizon, m.updated_up_to
        from (select nullif(current_setting('app.tenant_id', true), '')::uuid as tenant_id,
                     pg_snapshot_xmin(pg_current_snapshot()) as horizon) t
        cross join lateral (select max(o.updated_at) as updated_up_to from "order" o
                            where o.tenant_id = t.tenant_id and o.change_xid < t.horizon) m
        where m.updated_up_to is not null
          and not exists (select from order_feed_mark l where l.tenant_id = t.tenant_id and l.created_at > now() - interval '1 minute');         return null; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "order_feed_mark" AFTER INSERT OR UPDATE on "order" for each STATEMENT execute function "order_order_feed_mark_fn"();`);

    this.addSql(`alter table "order_feed_mark" add constraint "order_feed_mark_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "order_feed_mark" enable row level security;`);
    this.addSql(`alter table "order_feed_mark" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "order_feed_mark" to "crm_app" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "order_feed_mark" cascade;`);

    this.addSql(`drop trigger if exists "order_feed_mark" on "order";`);
    this.addSql(`drop function if exists "order_order_feed_mark_fn"();`);
  }

}
