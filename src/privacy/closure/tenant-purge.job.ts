import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { PeriodicTask } from '../../common/time/periodic-task.js';
import { AuditRedaction } from '../../audit/index.js';
import { Clock } from '../../common/time/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { asTenantPurge, maintenanceFork, tenantScopedFork } from '../../database/tenant-session.js';
import { PersonalDataEraser } from '../erasure/personal-data-eraser.sql.js';
import { blankRequestHistory } from '../erasure/request-history.sql.js';
import { PersonalDataRegistry } from '../personal-data/personal-data.registry.js';
import {
  blankTenantColumns,
  deleteChainHead,
  deleteTenant,
  deleteTenantRows,
  dueTenants,
  lockIfDue,
  markPurged,
  tenantTablesChildrenFirst,
  type PurgePhase,
} from './tenant-purge.sql.js';

/** What one run did to one tenant: rows deleted, and rows kept but pseudonymised or redacted, per table. */
export interface TenantPurgeOutcome {
  tenantId: string;
  phase: PurgePhase;
  deleted: Record<string, number>;
  pseudonymised: Record<string, number>;
}

/** The audit trail is redacted and deleted through its own append-only path, as crm_maintenance. */
const AUDIT_TABLE = 'audit_entry';
/** The request history has no tenant column: it follows its request. */
const REQUEST_EVENTS = 'data_subject_request_event';

/**
 * Purges closed tenants whose grace period is over, and deletes what the purge kept once the legal hold ends.
 *
 * The purge (CLOSED, `purge_after` passed) deletes every row of every table with a `tenant_id`, except the tables the
 * modules declare as legal hold (orders, the clients and contacts they name, privacy requests, the audit trail,
 * invoices); in those, the personal-data registry's erasure rules are applied to every row of the tenant (contacts
 * pseudonymised, request notes blanked, audit device data redacted), and the free text the law does not require
 * (order and client notes) is blanked. The tenant becomes PURGED with
 * `legal_hold_until` = closure + its `taxRetentionYears`; after that date everything left goes, the tenant row last.
 *
 * Each phase is one transaction, as the tenant itself (row-level security confines every statement to it), switching
 * to crm_maintenance only for its append-only history. It starts by locking the tenant row and re-checking that it is
 * still due, so a reopen that won the race is respected; a crash rolls the whole phase back for the next run.
 */
@Injectable()
export class TenantPurgeJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TenantPurgeJob');
  private readonly schedule = new PeriodicTask('Tenant purge', this.logger, () => this.run());

  constructor(
    private readonly orm: MikroORM,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly registry: PersonalDataRegistry,
    private readonly eraser: PersonalDataEraser,
    private readonly auditRedaction: AuditRedaction,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule.start(this.config.MAINTENANCE_INTERVAL_MINUTES * 60_000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }

  /** Purges every tenant that is due as of the clock's now, one transaction each; returns what was done. */
  async run(): Promise<TenantPurgeOutcome[]> {
    const now = this.clock.now();
    const due = await dueTenants(maintenanceFork(this.orm), now);
    const outcomes: TenantPurgeOutcome[] = [];
    for (const tenant of due) {
      const phase: PurgePhase = tenant.status === 'CLOSED' ? 'purge' : 'legal-hold-end';
      const outcome = await tenantScopedFork(this.orm, tenant.id).transactional((tx) => this.runPhase(tx, tenant.id, phase, now));
      if (!outcome) continue;
      this.logger.log({ msg: 'tenant purged', ...outcome });
      outcomes.push(outcome);
    }
    return outcomes;
  }

  private async runPhase(tx: EntityManager, tenantId: string, phase: PurgePhase, now: Date): Promise<TenantPurgeOutcome | null> {
    if (!(await lockIfDue(tx, tenantId, phase, now))) return null;
    const outcome: TenantPurgeOutcome = { tenantId, phase, deleted: {}, pseudonymised: {} };
    const kept = phase === 'purge' ? new Set(this.registry.legalHoldTables().map((t) => t.table)) : new Set<string>();
    const tables = await tenantTablesChildrenFirst(tx);
    const purged = { tenantId };
    const appendOnly = new Set(tables.filter((t) => !t.appDeletes).map((t) => t.name));

    await asTenantPurge(tx, tenantId, async () => {
      if (phase === 'purge') {
        count(outcome.pseudonymised, AUDIT_TABLE, await this.auditRedaction.redactTenant(tx, tenantId, now));
      } else {
        count(outcome.deleted, 'audit_chain_head', await deleteChainHead(tx, purged));
      }
      // The tenant's history that the app role may never delete (its consent ledger; at the end its audit trail and
      // its privacy requests, whose events go with them), and its members' sessions that acted in it.
      for (const table of appendOnly) {
        if (kept.has(table)) continue;
        count(outcome.deleted, table, await deleteTenantRows(tx, purged, table));
      }
    });

    for (const { name } of tables) {
      if (kept.has(name) || appendOnly.has(name)) continue;
      count(outcome.deleted, name, await deleteTenantRows(tx, purged, name));
    }
    for (const table of kept) {
      if (table === AUDIT_TABLE) continue;
      const rows = table === REQUEST_EVENTS ? await blankRequestHistory(tx, { tenantId }) : await this.eraser.eraseTenantRows(tx, table, tenantId);
      count(outcome.pseudonymised, table, rows);
    }
    if (phase === 'purge') {
      for (const { table, blankOnPurge } of this.registry.legalHoldTables()) {
        if (!blankOnPurge?.length) continue;
        count(outcome.pseudonymised, table, await blankTenantColumns(tx, purged, table, blankOnPurge));
      }
    }

    if (phase === 'purge') {
      await markPurged(tx, tenantId, now);
    } else {
      count(outcome.deleted, 'tenant', await deleteTenant(tx, tenantId));
    }
    return outcome;
  }
}

function count(into: Record<string, number>, table: string, rows: number): void {
  if (rows > 0) into[table] = (into[table] ?? 0) + rows;
}
