import { Migration } from '@mikro-orm/migrations';

export class Migration20261125092344 extends Migration {

  override name = 'Migration20261125092344';

  override up(): void | Promise<void> {
    this.addSql(`create policy "tenant_purge" on "billing_invoice" to "crm_maintenance" using (tenant_id = nullif(current_setting('app.purging_tenant_id', true), '')::uuid);`);
    // A purged tenant's invoices are deleted when its legal hold ends; the app role still may not delete them.
    this.addSql(`grant select, delete on "billing_invoice" to crm_maintenance;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`revoke select, delete on "billing_invoice" from crm_maintenance;`);
    this.addSql(`drop policy "tenant_purge" on "billing_invoice";`);
  }

}
