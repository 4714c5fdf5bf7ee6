import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { JwtSecret } from '../../accounts/index.js';
import { setSessionTenant } from '../../database/tenant-session.js';
import { PersonalDataRegistry } from '../personal-data/personal-data.registry.js';
import { SubjectTenants } from '../personal-data/subject-tenants.js';
import { DataSubjectKind, DataSubjectRequestType } from '../requests/data-subject-request.entity.js';
import { PrivacyJobRejection, type PrivacyJob, type PrivacyJobProcessor } from '../jobs/privacy-job.js';
import { chunkSink, writeExportArchive } from './export-archive.js';
import { EXPORT_LINK_DAYS, exportToken, tokenHash } from './export-link.js';
import { PrivacyExport } from './privacy-export.entity.js';
import { insertExportChunk, setExportByteSize, subjectEmail } from './export-file.sql.js';
import { planExport, readRows, type ExportTable, type Subject } from './subject-data.reader.js';

const CHUNK_BYTES = 512 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Access and portability: builds the subject's export from every table the personal-data registry declares with a
 * link to the subject's kind, then publishes its link for EXPORT_LINK_DAYS. `build` writes the whole file in its own
 * transaction (a failed build leaves nothing); `publish` starts the link's clock only once the file is complete.
 */
@Injectable()
abstract class ExportJob implements PrivacyJobProcessor {
  abstract readonly type: DataSubjectRequestType;
  readonly steps = ['build', 'publish'] as const;
  /** The size of the stored chunks; tests lower it to get many chunks out of a little data. */
  chunkBytes = CHUNK_BYTES;

  constructor(
    private readonly registry: PersonalDataRegistry,
    private readonly secret: JwtSecret,
    private readonly subjectTenants: SubjectTenants,
  ) {}

  async runStep(step: string, job: PrivacyJob): Promise<Record<string, unknown>> {
    return step === 'build' ? this.build(job) : this.publish(job);
  }

  private async build({ em, request, now }: PrivacyJob): Promise<Record<string, unknown>> {
    const subject = await this.subjectOf(em, request.subjectKind, request.subjectUserId ?? request.subjectContactId ?? '');
    const file = em.create(PrivacyExport, {
      requestId: request.id,
      ownerTenantId: request.ownerTenantId,
      subjectUserId: request.subjectUserId,
      subjectContactId: request.subjectContactId,
      tokenHash: '',
    });
    file.tokenHash = tokenHash(exportToken(this.secret.value, file.id));
    await em.flush();

    const tables = await planExport(em, this.registry.tables(), subject);
    // A user's data sits in every tenant they belong to or acted in, and in platform tables of no tenant; a contact's in
    // one tenant.
    const scopes = request.ownerTenantId ? [request.ownerTenantId] : [null, ...(await this.subjectTenants.ofUser(em, subject.id))];
    const rows = (table: ExportTable) => this.rowsInScopes(em, table, table.hasTenant ? scopes : [scopes[0]], request.ownerTenantId ?? null);
    let seq = 0;
    let bytes = 0;
    const sink = chunkSink(this.chunkBytes, async (chunk) => {
      await insertExportChunk(em, file.id, seq++, chunk);
      bytes += chunk.length;
    });
    await writeExportArchive(subject, now, tables, rows, sink);
    await setExportByteSize(em, file.id, bytes);
    return { exportId: file.id, tables: tables.length, bytes };
  }

  private async publish({ em, request, now }: PrivacyJob): Promise<Record<string, unknown>> {
    const file = await em.findOneOrFail(PrivacyExport, { requestId: request.id });
    file.expiresAt = new Date(now.getTime() + EXPORT_LINK_DAYS * DAY_MS);
    await em.flush();
    return { linkExpiresAt: file.expiresAt.toISOString() };
  }

  /**
   * Reads a table in each tenant in turn, switching the transaction's tenant so row-level security applies to each
   * exactly as to a request of that tenant; the job's own tenant is restored afterwards.
   */
  private async *rowsInScopes(em: EntityManager, table: ExportTable, scopes: (string | null)[], home: string | null) {
    for (const tenantId of scopes) {
      await setSessionTenant(em, tenantId);
      try {
        yield* readRows(em, table, tenantId);
      } finally {
        await setSessionTenant(em, home);
      }
    }
  }

  private async subjectOf(em: EntityManager, kind: DataSubjectKind, id: string): Promise<Subject> {
    const row = await subjectEmail(em, kind === DataSubjectKind.USER ? 'user' : 'contact', id);
    if (!row) throw new PrivacyJobRejection("The person's record no longer exists, so there is nothing to export.");
    return kind === DataSubjectKind.USER ? { kind: 'user', id, email: row.email } : { kind: 'contact', id };
  }
}

@Injectable()
export class AccessExportJob extends ExportJob {
  readonly type = DataSubjectRequestType.ACCESS;
}

@Injectable()
export class PortabilityExportJob extends ExportJob {
  readonly type = DataSubjectRequestType.PORTABILITY;
}
