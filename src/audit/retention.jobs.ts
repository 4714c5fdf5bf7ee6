import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { PeriodicTask } from '../common/time/periodic-task.js';
import { AppConfig } from '../config/app-config.js';
import { tryAdvisoryXactLock } from '../database/advisory-lock.js';
import { maintenanceFork } from '../database/tenant-session.js';
import { truncateIp } from './ip-truncation.js';
import { auditEntriesWithIpBefore, sessionsWithIpBefore, setIps, type IpRow } from './retention.sql.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 1000;
/** Only one instance runs the jobs at a time; the others skip that round. */
const LOCK_KEY = 'promox:retention';

export interface RetentionRun {
  /** false when another instance held the lock. */
  ran: boolean;
  auditIpsTruncated: number;
  sessionIpsTruncated: number;
}

/**
 * The retention promises of the privacy policy that run on a schedule: IP addresses lose their last octet (IPv6: 80
 * bits) after IP_RETENTION_DAYS. Runs as crm_maintenance, a role that reaches only what these jobs change.
 */
@Injectable()
export class RetentionJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RetentionJobs');
  private readonly schedule = new PeriodicTask('Retention jobs', this.logger, () => this.run());
  private readonly extraJobs: ((em: EntityManager, now: Date) => Promise<Record<string, number>>)[] = [];

  constructor(
    private readonly orm: MikroORM,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule.start(this.config.MAINTENANCE_INTERVAL_MINUTES * 60_000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }

  /** Another module's retention step (usage events), run in the same locked transaction. */
  register(job: (em: EntityManager, now: Date) => Promise<Record<string, number>>): void {
    this.extraJobs.push(job);
  }

  /** Runs every retention step once, as of `now`, in one transaction. */
  async run(now = new Date()): Promise<RetentionRun & Record<string, number | boolean>> {
    const em = maintenanceFork(this.orm);
    return em.transactional(async (tx) => {
      const locked = await tryAdvisoryXactLock(tx, LOCK_KEY);
      if (!locked) return { ran: false, auditIpsTruncated: 0, sessionIpsTruncated: 0 };
      const cutoff = new Date(now.getTime() - this.config.IP_RETENTION_DAYS * DAY_MS);
      const auditIpsTruncated = await this.truncateAuditIps(tx, cutoff);
      const sessionIpsTruncated = await this.truncateSessionIps(tx, cutoff);
      let extra: Record<string, number> = {};
      for (const job of this.extraJobs) extra = { ...extra, ...(await job(tx, now)) };
      const result = { ran: true, auditIpsTruncated, sessionIpsTruncated, ...extra };
      this.logger.log({ msg: 'retention jobs ran', ...result });
      return result;
    });
  }

  /** Audit entries keep their hash: the IP is covered only by the personal digest, whose salt goes with the redaction. */
  private async truncateAuditIps(em: EntityManager, cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await auditEntriesWithIpBefore(em, cutoff, BATCH);
      if (rows.length === 0) return total;
      await setIps(em, 'audit_entry', truncated(rows));
      total += rows.length;
    }
  }

  private async truncateSessionIps(em: EntityManager, cutoff: Date): Promise<number> {
    let total = 0;
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await sessionsWithIpBefore(em, cutoff, afterId, BATCH);
      if (rows.length === 0) return total;
      afterId = rows[rows.length - 1].id;
      const changed = rows.filter((row) => truncateIp(row.ip) !== row.ip);
      if (changed.length > 0) await setIps(em, 'refresh_session', truncated(changed));
      total += changed.length;
    }
  }
}

const truncated = (rows: readonly IpRow[]) => rows.map((row) => ({ id: row.id, ip: truncateIp(row.ip) }));
