import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { TenantContext } from '../../common/context/request-context.js';
import { tenantScoped } from '../../database/tenant-sql.js';
import { contactFromRow } from './contact.rows.js';
import type { ContactType } from './contact.types.js';

/** At most this many contacts come with a client; `contacts(filter: { clientId })` pages through all of them. */
export const CLIENT_CONTACTS_LIMIT = 50;

type ContactRow = Record<string, unknown> & { contact_position?: unknown };

/** The contacts shown on clients (Client.contacts), read for a whole page of clients at once. */
@Injectable()
export class ClientContactsReader {
  constructor(private readonly em: EntityManager) {}

  /**
   * Each client's first contacts by name, for all `clientIds` in one statement: a window function caps each client's
   * share, so one client with thousands of contacts cannot swell the page.
   */
  async firstContactsOf(ctx: TenantContext, clientIds: readonly string[]): Promise<Map<string, ContactType[]>> {
    const byClient = new Map<string, ContactType[]>();
    if (clientIds.length === 0) return byClient;
    const tenant = tenantScoped(ctx, { aliases: ['c'] });
    const rows = await this.em.execute<ContactRow[]>(
      `select * from (
         select c.*, row_number() over (partition by c.client_id order by c.last_name, c.first_name, c.id) as contact_position
           from contact c
          where ${tenant.sql} and c.client_id = any(?::uuid[])
       ) ranked
       where contact_position <= ?
       order by last_name, first_name, id`,
      // One array parameter (a literal of uuids read from the database): MikroORM would spread a JS array into a list.
      [...tenant.params, `{${clientIds.join(',')}}`, CLIENT_CONTACTS_LIMIT],
    );
    const parseDate = (value: string) => this.em.getPlatform().parseDate(value);
    for (const row of rows) {
      const contact = contactFromRow(row, parseDate);
      const list = byClient.get(contact.clientId);
      if (list) list.push(contact);
      else byClient.set(contact.clientId, [contact]);
    }
    return byClient;
  }
}
