import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';

/** The rows of the version in effect now, per kind. */
export function currentDocumentRows(em: EntityManager): Promise<Record<string, unknown>[]> {
  return em.execute(`select distinct on (kind) * from policy_document where effective_at <= now() order by kind, effective_at desc, version desc`);
}

/** The rows of current versions the user has not accepted (a later, not yet effective version counts too). */
export function pendingDocumentRows(em: EntityManager, userId: string): Promise<Record<string, unknown>[]> {
  return em.execute(
    `select c.* from (select distinct on (kind) * from policy_document where effective_at <= now()
                      order by kind, effective_at desc, version desc) c
      where not exists (select 1 from policy_acceptance a join policy_document ad on ad.id = a.policy_document_id
                         where a.user_id = ? and ad.kind = c.kind and ad.version >= c.version)
      order by c.kind`,
    [userId],
  );
}

/** Records an acceptance once; accepting the same version again keeps the first record. */
export async function insertAcceptance(
  em: EntityManager,
  acceptance: { userId: string; documentId: string; ip: string | null; userAgent: string | null },
): Promise<void> {
  await em.execute(
    `insert into policy_acceptance (id, created_at, user_id, policy_document_id, ip, user_agent)
     values (?, now(), ?, ?, ?, ?) on conflict (user_id, policy_document_id) do nothing`,
    [uuidv7(), acceptance.userId, acceptance.documentId, acceptance.ip, acceptance.userAgent],
  );
}
