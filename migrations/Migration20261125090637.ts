import { Migration } from '@mikro-orm/migrations';

export class Migration20261125090637 extends Migration {

  override name = 'Migration20261125090637';

  override up(): void | Promise<void> {
    this.addSql(`alter type "data_subject_request_event_kind" add value if not exists 'RETRIED' after 'GAVE_UP';`);
  }

}
