import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { JwtSecret } from '../../accounts/index.js';
import { RetentionJobs } from '../../audit/index.js';
import { Clock } from '../../common/time/clock.js';
import { maintenanceFork } from '../../database/tenant-session.js';
import { EXPORT_PATH, exportToken, tokenHash } from './export-link.js';
import { PrivacyExport } from './privacy-export.entity.js';
import { deleteExpiredExportFiles, exportChunk, publishedExport } from './export-file.sql.js';

export interface ExportDownload {
  fileName: string;
  byteSize: number;
  /** The file's bytes, a chunk at a time, read only as the response takes them. */
  chunks: AsyncIterable<Buffer>;
}

export interface ExportLink {
  path: string;
  expiresAt: Date;
}

/** The published export files: their links, their download, and their deletion once the link has expired. */
@Injectable()
export class PrivacyExportService implements OnModuleInit {
  constructor(
    private readonly orm: MikroORM,
    private readonly secret: JwtSecret,
    private readonly clock: Clock,
    private readonly retention: RetentionJobs,
  ) {}

  onModuleInit(): void {
    this.retention.register((em, now) => this.deleteExpired(em, now));
  }

  /** The link of a request's export while it works; `em` is the caller's, so the export is visible only as its request is. */
  async linkFor(em: EntityManager, requestId: string): Promise<ExportLink | null> {
    const file = await em.findOne(PrivacyExport, { requestId });
    if (!file?.expiresAt || file.fileDeletedAt || file.expiresAt.getTime() <= this.clock.now().getTime()) return null;
    return { path: `${EXPORT_PATH}/${exportToken(this.secret.value, file.id)}`, expiresAt: file.expiresAt };
  }

  /**
   * The file for a token, or null when the token is unknown, the link has expired or the file is gone: the caller
   * answers all three the same way. The link is the only credential, so it is looked up by its hash as crm_maintenance.
   */
  async download(token: string): Promise<ExportDownload | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const em = maintenanceFork(this.orm);
    const file = await publishedExport(em, tokenHash(token), this.clock.now());
    if (!file) return null;
    return {
      fileName: `promox-data-${new Date(file.created_at).toISOString().slice(0, 10)}.zip`,
      byteSize: Number(file.byte_size),
      chunks: this.chunksOf(file.id),
    };
  }

  private async *chunksOf(exportId: string): AsyncGenerator<Buffer> {
    const em = maintenanceFork(this.orm);
    for (let seq = 0; ; seq += 1) {
      const chunk = await exportChunk(em, exportId, seq);
      if (!chunk) return;
      yield chunk;
    }
  }

  /** Retention: an expired link's file is deleted; the export row stays as the record of what was delivered. */
  private async deleteExpired(em: EntityManager, now: Date): Promise<Record<string, number>> {
    return { exportFilesDeleted: await deleteExpiredExportFiles(em, now) };
  }
}
