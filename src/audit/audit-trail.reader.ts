import type { EntityManager } from '@mikro-orm/postgresql';
import type { TenantContext } from '../common/context/request-context.js';
import { tenantScoped } from '../database/tenant-sql.js';

/** An entry of a chain as hashed: times as ISO 8601 with milliseconds, the position as text. */
export interface ChainRow {
  id: string;
  tenant_id: string | null;
  chain_key: string;
  chain_seq: string;
  /** ISO 8601 with milliseconds, as hashed. */
  occurred_at: string;
  actor_type: string;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: string;
  error_code: string | null;
  request_id: string;
  ip: string | null;
  user_agent: string | null;
  browser: string | null;
  os: string | null;
  device_type: string | null;
  personal_salt: string | null;
  personal_digest: string;
  redacted_at: string | null;
  prev_hash: string;
  hash: string;
}

/** Up to `limit` entries of the tenant's chain from position `fromSeq`, in chain order. */
export function chainEntries(em: EntityManager, ctx: TenantContext, fromSeq: string, limit: number): Promise<ChainRow[]> {
  // A tenant's chain is keyed by the tenant: the (chain_key, chain_seq) index.
  const chain = tenantScoped(ctx, { column: 'chain_key' });
  return em.execute<ChainRow[]>(
    `select id, tenant_id, chain_key, chain_seq::text as chain_seq,
            to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at, actor_type, actor_user_id, actor_api_key_id,
            actor_name, action, target_type, target_id, result, error_code, request_id, ip, user_agent, browser, os,
            device_type, personal_salt, personal_digest, redacted_at, prev_hash, hash
       from audit_entry where ${chain.sql} and audit_entry.chain_seq >= ? order by audit_entry.chain_seq limit ?`,
    [...chain.params, fromSeq, limit],
  );
}

/** Where the tenant's chain ends, as its head records it; undefined before its first entry. */
export async function chainHead(em: EntityManager, ctx: TenantContext): Promise<{ last_seq: string; last_hash: string } | undefined> {
  const chain = tenantScoped(ctx, { column: 'chain_key' });
  const [head] = await em.execute<{ last_seq: string; last_hash: string }[]>(
    `select last_seq::text as last_seq, last_hash from audit_chain_head where ${chain.sql}`,
    chain.params,
  );
  return head;
}
