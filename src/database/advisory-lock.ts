import type { EntityManager } from '@mikro-orm/postgresql';

/** Waits for the transaction-scoped advisory lock named `key`: concurrent transactions on the same key queue. */
export async function advisoryXactLock(tx: EntityManager, key: string): Promise<void> {
  await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [key]);
}

/** Takes the transaction-scoped advisory lock named `key` if it is free; false when another transaction holds it. */
export async function tryAdvisoryXactLock(tx: EntityManager, key: string): Promise<boolean> {
  const [row] = await tx.execute<{ locked: boolean }[]>('select pg_try_advisory_xact_lock(hashtext(?)) as locked', [key]);
  return row.locked;
}
