import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import type { JobStatus } from './job.entity.js';

/** A job row as the queue's statements return it. */
export interface JobRow {
  id: string;
  kind: string;
  key: string;
  tenant_id: string | null;
  user_id: string | null;
  status: JobStatus;
  attempts: number;
  last_error: string | null;
  run_at: Date | null;
}

const RETURNING = 'returning id, kind, key, tenant_id, user_id, status, attempts, last_error, run_at';

/** Adds a job unless its kind already has one for the key; in the caller's transaction and role. */
export async function insertJob(
  em: EntityManager,
  job: { kind: string; key: string; tenantId: string | null; userId: string | null; runAt: Date; now: Date },
): Promise<boolean> {
  const result = await em.execute<QueryResult>(
    `insert into job (id, created_at, updated_at, kind, key, tenant_id, user_id, status, attempts, run_at)
     values (?, ?, ?, ?, ?, ?, ?, 'PENDING', 0, ?) on conflict (kind, key) do nothing`,
    [uuidv7(), job.now, job.now, job.kind, job.key, job.tenantId, job.userId, job.runAt],
    'run',
  );
  return result.affectedRows > 0;
}

/** Makes a finished job due again with a fresh count of attempts; its last error stays until an attempt succeeds. */
export async function restartJob(em: EntityManager, kind: string, key: string, runAt: Date, now: Date): Promise<number> {
  const result = await em.execute<QueryResult>(
    `update job set status = 'PENDING', attempts = 0, run_at = ?, locked_until = null, finished_at = null, updated_at = ?
      where kind = ? and key = ?`,
    [runAt, now, kind, key],
    'run',
  );
  return result.affectedRows;
}

export async function cancelJob(em: EntityManager, kind: string, key: string, now: Date): Promise<void> {
  await em.execute(
    `update job set status = 'CANCELLED', run_at = null, locked_until = null, finished_at = ?, updated_at = ?
      where kind = ? and key = ? and status = 'PENDING'`,
    [now, now, kind, key],
  );
}

/** The jobs of a kind for these keys that the caller's role and tenant may see. */
export async function jobsByKey(em: EntityManager, kind: string, keys: readonly string[]): Promise<JobRow[]> {
  if (keys.length === 0) return [];
  const rows = await em.execute<(Omit<JobRow, 'run_at'> & { run_at: Date | string | null })[]>(
    `select id, kind, key, tenant_id, user_id, status, attempts, last_error, run_at from job where kind = ? and key in (?)`,
    [kind, [...keys]],
  );
  // Raw results keep timestamps as the driver's text.
  return rows.map((row) => ({ ...row, run_at: row.run_at === null ? null : new Date(row.run_at) }));
}

/**
 * Takes the next due job of a kind (or the named one, due or not, unless another worker holds it), counting the
 * attempt and leasing it until `lockedUntil`. `skip locked`, so that workers never take the same job.
 */
export async function claimJob(em: EntityManager, claim: { kind: string; key?: string; now: Date; lockedUntil: Date }): Promise<JobRow | null> {
  const rows = await em.execute<JobRow[]>(
    `update job set locked_until = ?, attempts = attempts + 1, updated_at = ?
      where id = (select id from job
                   where kind = ? and status = 'PENDING' and (locked_until is null or locked_until < ?)
                     and ${claim.key === undefined ? 'run_at <= ?' : 'key = ?'}
                   order by run_at, id limit 1 for update skip locked)
      ${RETURNING}`,
    [claim.lockedUntil, claim.now, claim.kind, claim.now, claim.key ?? claim.now],
  );
  return rows[0] ?? null;
}

/**
 * Settles the attempt `attempts` of a job: done, or failed and due again at `runAt` (null: gave up). An attempt that
 * was taken over meanwhile (its lease ran out and another worker claimed the job) changes nothing.
 */
export async function settleJob(
  em: EntityManager,
  settle: { id: string; attempts: number; now: Date } & ({ done: true } | { done: false; error: string; runAt: Date | null }),
): Promise<boolean> {
  const result = settle.done
    ? await em.execute<QueryResult>(
        `update job set status = 'DONE', run_at = null, locked_until = null, last_error = null, finished_at = ?, updated_at = ?
          where id = ? and attempts = ? and status = 'PENDING'`,
        [settle.now, settle.now, settle.id, settle.attempts],
        'run',
      )
    : await em.execute<QueryResult>(
        `update job set last_error = ?, run_at = ?, locked_until = null, updated_at = ?,
                status = case when ?::timestamptz is null then 'GAVE_UP'::job_status else 'PENDING'::job_status end,
                finished_at = case when ?::timestamptz is null then ?::timestamptz end
          where id = ? and attempts = ? and status = 'PENDING'`,
        [settle.error, settle.runAt, settle.now, settle.runAt, settle.runAt, settle.now, settle.id, settle.attempts],
        'run',
      );
  return result.affectedRows > 0;
}
