import type { EntityManager } from '@mikro-orm/postgresql';
import type { TenantContext } from '../../common/context/request-context.js';
import { tenantScoped } from '../../database/tenant-sql.js';

export type ContactRow = Record<string, unknown> & { contact_position?: unknown };

/**
 * Each client's first `limit` contacts by name, for all `clientIds` in one statement: a window function caps each
 * client's share, so one client with thousands of contacts cannot swell the page.
 */
export function firstContactsOf(em: EntityManager, ctx: TenantContext, clientIds: readonly string[], limit: number): Promise<ContactRow[]> {
  const tenant = tenantScoped(ctx, { aliases: ['c'] });
  return em.execute<ContactRow[]>(
    `select * from (
       select c.*, row_number() over (partition by c.client_id order by c.last_name, c.first_name, c.id) as contact_position
         from contact c
        where ${tenant.sql} and c.client_id = any(?::uuid[])
     ) ranked
     where contact_position <= ?
     order by last_name, first_name, id`,
    // One array parameter (a literal of uuids read from the database): MikroORM would spread a JS array into a list.
    [...tenant.params, `{${clientIds.join(',')}}`, limit],
  );
}
