import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { sessionTenantPredicate } from '../../database/tenant-sql.js';

/** Whose ledger a statement reads: a contact's (its tenant's), a user's or a visitor's (platform rows). */
export type LedgerOwner = { contactId: string } | { userId: string } | { visitorId: string };

function ledgerOf(owner: LedgerOwner): { table: string; column: string; value: string; tenantScoped: boolean } {
  if ('contactId' in owner) return { table: 'contact_consent_event', column: 'contact_id', value: owner.contactId, tenantScoped: true };
  if ('userId' in owner) return { table: 'consent_event', column: 'user_id', value: owner.userId, tenantScoped: false };
  return { table: 'consent_event', column: 'visitor_id', value: owner.visitorId, tenantScoped: false };
}

/**
 * The latest event per purpose of one subject, through the (subject, purpose, created_at, id) index. A contact's
 * ledger is read in the transaction's tenant, which is also what row-level security admits, and gives the index its
 * leading column.
 */
export function latestPerPurpose(em: EntityManager, owner: LedgerOwner): Promise<Record<string, unknown>[]> {
  const { table, column, value, tenantScoped } = ledgerOf(owner);
  return em.execute<Record<string, unknown>[]>(
    `select distinct on (purpose) * from ${table}
      where ${column} = ?${tenantScoped ? ` and ${sessionTenantPredicate()}` : ''}
      order by purpose, created_at desc, id desc`,
    [value],
  );
}

/** Adds a hashed identifier to the suppression list; adding one twice keeps the first entry. */
export async function insertSuppression(em: EntityManager, entry: { channel: string; identifierHash: string; reason: string }): Promise<void> {
  await em.execute(
    `insert into consent_suppression (id, created_at, channel, identifier_hash, reason) values (?, now(), ?, ?, ?)
     on conflict (channel, identifier_hash) do nothing`,
    [uuidv7(), entry.channel, entry.identifierHash, entry.reason],
  );
}
