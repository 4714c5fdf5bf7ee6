import { Migration } from '@mikro-orm/migrations';

/** The retention job (crm_maintenance) thins feed marks older than a day to one per tenant and day. */
export class Migration20261125074805 extends Migration {

  override name = 'Migration20261125074805';

  override up(): void | Promise<void> {
    this.addSql(`create policy "maintenance" on "order_feed_mark" to "crm_maintenance" using (true) with check (true);`);
    this.addSql(`grant select, delete on "order_feed_mark" to crm_maintenance;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`revoke all on "order_feed_mark" from crm_maintenance;`);
    this.addSql(`drop policy "maintenance" on "order_feed_mark";`);
  }

}
