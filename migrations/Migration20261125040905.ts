import { Migration } from '@mikro-orm/migrations';

/**
 * Platform support staff (role crm_support) reach support requests, their replies and attachments of every tenant
 * (the tables' platform_support policies), and the names of tenants to tell requests apart; nothing else. The
 * authentication path reads whether a user is staff.
 */
export class Migration20261125040905 extends Migration {
  override name = 'Migration20261125040905';

  override up(): void | Promise<void> {
    this.addSql(`grant usage on schema public to crm_support;`);
    this.addSql(`grant select, update on "support_request" to crm_support;`);
    this.addSql(`grant select, insert on "support_reply", "support_attachment" to crm_support;`);
    this.addSql(`grant select ("id", "name") on "tenant" to crm_support;`);
    // Verifying a session now reads whether the user is staff.
    this.addSql(`grant select ("id", "platform_role") on "user" to crm_auth;`);
  }
}
