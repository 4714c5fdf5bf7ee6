import type { EntityManager } from '@mikro-orm/postgresql';

export interface IpRow {
  id: string;
  ip: string;
}

/** Audit entries older than `cutoff` that still hold an unredacted IP, oldest first. */
export function auditEntriesWithIpBefore(em: EntityManager, cutoff: Date, limit: number): Promise<IpRow[]> {
  return em.execute<IpRow[]>(`select id, ip from audit_entry where occurred_at < ? and redacted_at is null and ip is not null order by occurred_at limit ?`, [
    cutoff,
    limit,
  ]);
}

/** Sessions created before `cutoff` with an IP, after `afterId` in id order (a keyset over the whole table). */
export function sessionsWithIpBefore(em: EntityManager, cutoff: Date, afterId: string, limit: number): Promise<IpRow[]> {
  return em.execute<IpRow[]>(`select id, ip from refresh_session where created_at < ? and ip is not null and id > ? order by id limit ?`, [
    cutoff,
    afterId,
    limit,
  ]);
}

/**
 * Sets each row's IP in one statement; for an audit entry that is its redaction, which also drops the salt of its
 * personal digest, so the hash chain stays verifiable.
 */
export async function setIps(em: EntityManager, table: 'audit_entry' | 'refresh_session', rows: readonly { id: string; ip: string | null }[]): Promise<void> {
  const values = rows.map(() => '(?::uuid, ?)').join(', ');
  const redaction = table === 'audit_entry' ? ', personal_salt = null, redacted_at = now()' : '';
  await em.execute(
    `update ${table} as t set ip = v.ip${redaction} from (values ${values}) as v(id, ip) where t.id = v.id`,
    rows.flatMap((row) => [row.id, row.ip]),
  );
}
