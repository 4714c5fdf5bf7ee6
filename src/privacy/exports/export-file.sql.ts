import type { EntityManager } from '@mikro-orm/postgresql';

/** The chunk table as the query builder writes it. */
interface ChunkTables {
  privacy_export_chunk: { export_id: string; seq: number; data: Buffer };
}

/**
 * Stores one chunk of an export file. A bound parameter, sent as binary: em.execute would inline the bytes into the
 * SQL as hex, a string of twice the chunk's size made and dropped per chunk, which piles up in V8's old space as the
 * file grows. The query builder's errors are the driver's raw ones: they are converted as em.execute does, so a
 * database error is reported by reference only (it may quote SQL and data).
 */
export async function insertExportChunk(em: EntityManager, exportId: string, seq: number, data: Buffer): Promise<void> {
  await em
    .getKysely<ChunkTables>()
    .insertInto('privacy_export_chunk')
    .values({ export_id: exportId, seq, data })
    .execute()
    .catch((error: unknown) => {
      throw error instanceof Error ? em.getDriver().convertException(error) : error;
    });
}

export async function setExportByteSize(em: EntityManager, exportId: string, bytes: number): Promise<void> {
  await em.execute(`update privacy_export set byte_size = ? where id = ?`, [bytes, exportId]);
}

/** The email of the export's subject, a user or a contact; undefined when the record is gone. */
export async function subjectEmail(em: EntityManager, kind: 'user' | 'contact', id: string): Promise<{ email: string } | undefined> {
  const rows =
    kind === 'user'
      ? await em.execute<{ email: string }[]>(`select email from "user" where id = ?`, [id])
      : await em.execute<{ email: string }[]>(`select email from contact where id = ?`, [id]);
  return rows.at(0);
}

/** A published, unexpired export whose link token has this hash. */
export async function publishedExport(em: EntityManager, hash: string, now: Date): Promise<{ id: string; byte_size: string; created_at: string } | undefined> {
  const files = await em.execute<{ id: string; byte_size: string; created_at: string }[]>(
    `select id, byte_size, created_at from privacy_export where token_hash = ? and expires_at > ? and file_deleted_at is null`,
    [hash, now],
  );
  return files.at(0);
}

export async function exportChunk(em: EntityManager, exportId: string, seq: number): Promise<Buffer | undefined> {
  const chunks = await em.execute<{ data: Buffer }[]>(`select data from privacy_export_chunk where export_id = ? and seq = ?`, [exportId, seq]);
  return chunks.at(0)?.data;
}

/** Deletes the files of exports whose link expired; the export rows stay as the record of what was delivered. */
export async function deleteExpiredExportFiles(em: EntityManager, now: Date): Promise<number> {
  const expired = await em.execute<{ id: string }[]>(`select id from privacy_export where expires_at <= ? and file_deleted_at is null`, [now]);
  for (const { id } of expired) {
    await em.execute(`delete from privacy_export_chunk where export_id = ?`, [id]);
    await em.execute(`update privacy_export set file_deleted_at = ?, updated_at = ? where id = ?`, [now, now, id]);
  }
  return expired.length;
}
