import { Migration } from '@mikro-orm/migrations';

export class Migration20261125095311 extends Migration {

  override name = 'Migration20261125095311';

  override up(): void | Promise<void> {
    this.addSql(`create index "audit_entry_actor_user_id_index" on "audit_entry" ("actor_user_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "audit_entry_actor_user_id_index";`);
  }

}
