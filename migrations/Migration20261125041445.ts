import { Migration } from '@mikro-orm/migrations';

export class Migration20261125041445 extends Migration {

  override name = 'Migration20261125041445';

  override up(): void | Promise<void> {
    this.addSql(`create index "order_tenant_id_updated_at_change_xid_index" on "order" ("tenant_id", "updated_at", "change_xid");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "order_tenant_id_updated_at_change_xid_index";`);
  }

}
