import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import type { TenantContext } from '../../common/context/request-context.js';
import { tenantScoped } from '../../database/tenant-sql.js';

/**
 * The tenant's next order number: one upsert of its counter row. Concurrent creations queue on that row's lock, and
 * a creation that rolls back gives its increment back, so numbers are unique and gap-free.
 */
export async function nextOrderNumber(em: EntityManager, ctx: TenantContext): Promise<number> {
  const now = new Date();
  const [row] = await em.execute<{ last_number: number }[]>(
    `insert into order_number_counter (id, created_at, updated_at, tenant_id, last_number) values (?, ?, ?, ?, 1)
     on conflict (tenant_id) do update set last_number = order_number_counter.last_number + 1, updated_at = excluded.updated_at
     returning last_number`,
    [uuidv7(), now, now, ctx.tenantId],
  );
  return row.last_number;
}

/** The order a line belongs to, read without loading the line (so the order can be locked before its lines). */
export async function orderIdOfLine(em: EntityManager, ctx: TenantContext, lineId: string): Promise<string | null> {
  const tenant = tenantScoped(ctx);
  const rows = await em.execute<{ order_id: string }[]>(`select order_id from order_line where ${tenant.sql} and id = ?`, [...tenant.params, lineId]);
  return rows.at(0)?.order_id ?? null;
}
