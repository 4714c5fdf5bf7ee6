import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import type { TenantContext } from '../common/context/request-context.js';

/** Creates the tenant's billing account row unless it exists; concurrent callers end up with the same one row. */
export async function ensureBillingAccount(em: EntityManager, ctx: TenantContext): Promise<void> {
  await em.execute(
    `insert into billing_account (id, created_at, updated_at, tenant_id, cancel_at_period_end) values (?, now(), now(), ?, false)
     on conflict (tenant_id) do nothing`,
    [uuidv7(), ctx.tenantId],
  );
}
