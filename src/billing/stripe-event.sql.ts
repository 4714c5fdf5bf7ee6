import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';

/** What applying a stored event needs: which object, of what type, for which Stripe customer. */
export interface StoredStripeEvent {
  id: string;
  type: string;
  objectId: string | null;
  stripeCustomerId: string | null;
  processed: boolean;
}

/** Stores a verified event unless its id is known; returns whether it was new. As crm_maintenance. */
export async function insertStripeEvent(
  tx: EntityManager,
  event: { id: string; type: string; objectId: string | null; customerId: string | null; createdAt: Date; livemode: boolean; receivedAt: Date },
): Promise<boolean> {
  const result = await tx.execute<QueryResult>(
    `insert into stripe_event (id, type, object_id, stripe_customer_id, event_created_at, livemode, received_at)
     values (?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing`,
    [event.id, event.type, event.objectId, event.customerId, event.createdAt, event.livemode, event.receivedAt],
    'run',
  );
  return result.affectedRows > 0;
}

export async function stripeEventById(tx: EntityManager, id: string): Promise<StoredStripeEvent | null> {
  const rows = await tx.execute<{ id: string; type: string; object_id: string | null; stripe_customer_id: string | null; processed: boolean }[]>(
    `select id, type, object_id, stripe_customer_id, processed_at is not null as processed from stripe_event where id = ?`,
    [id],
  );
  const row = rows.at(0);
  return row ? { id: row.id, type: row.type, objectId: row.object_id, stripeCustomerId: row.stripe_customer_id, processed: row.processed } : null;
}

/** The tenant whose billing account is the Stripe customer's, read before any tenant is set (as crm_maintenance). */
export async function tenantOfStripeCustomer(tx: EntityManager, customerId: string): Promise<string | null> {
  const rows = await tx.execute<{ tenant_id: string }[]>(`select tenant_id from billing_account where stripe_customer_id = ?`, [customerId]);
  return rows[0]?.tenant_id ?? null;
}

export async function markStripeEventProcessed(tx: EntityManager, id: string, processedAt: Date, outcome: string): Promise<void> {
  await tx.execute(`update stripe_event set processed_at = ?, outcome = ? where id = ?`, [processedAt, outcome.slice(0, 200), id]);
}
