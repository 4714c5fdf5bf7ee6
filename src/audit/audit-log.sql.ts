import type { EntityManager } from '@mikro-orm/postgresql';

/** The columns of an appended entry, in the order `entryValues` gives their values. */
const COLUMNS = [
  'id',
  'tenant_id',
  'chain_key',
  'chain_seq',
  'occurred_at',
  'actor_type',
  'actor_user_id',
  'actor_api_key_id',
  'actor_name',
  'action',
  'target_type',
  'target_id',
  'result',
  'error_code',
  'request_id',
  'ip',
  'user_agent',
  'browser',
  'os',
  'device_type',
  'personal_salt',
  'personal_digest',
  'prev_hash',
  'hash',
] as const;

/**
 * Locks the chain's head (created at position 0 on first use) for the rest of the transaction and returns where the
 * chain ends, so that concurrent appends to one chain take consecutive positions.
 */
export async function lockChainHead(em: EntityManager, chainKey: string, genesisHash: string): Promise<{ last_seq: string; last_hash: string }> {
  const [head] = await em.execute<{ last_seq: string; last_hash: string }[]>(
    `insert into audit_chain_head (chain_key, last_seq, last_hash) values (?, 0, ?)
     on conflict (chain_key) do update set last_seq = audit_chain_head.last_seq
     returning last_seq::text as last_seq, last_hash`,
    [chainKey, genesisHash],
  );
  return head;
}

/** Appends the entries (each its values in COLUMNS order) and moves the chain's head to the last, in one statement. */
export async function appendEntries(
  em: EntityManager,
  chainKey: string,
  rows: readonly (readonly unknown[])[],
  head: { seq: string; hash: string },
): Promise<void> {
  const row = `(${COLUMNS.map(() => '?').join(', ')})`;
  await em.execute(
    `with appended as (insert into audit_entry (${COLUMNS.join(', ')}) values ${rows.map(() => row).join(', ')})
     update audit_chain_head set last_seq = ?, last_hash = ? where chain_key = ?`,
    [...rows.flat(), head.seq, head.hash, chainKey],
  );
}
