import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM, type EntityManager, type QueryResult } from '@mikro-orm/postgresql';
import { PeriodicTask } from '../../common/time/periodic-task.js';
import { AuditRedaction } from '../../audit/audit-redaction.service.js';
import { Clock } from '../../common/time/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { APP_ROLE } from '../../database/base.entity.js';
import { asTenantPurge, maintenanceFork, tenantScopedFork } from '../../database/tenant-session.js';
import { PersonalDataEraser } from '../erasure/personal-data.eraser.js';
import { blankRequestHistory } from '../erasure/request-history.js';
import { PersonalDataRegistry } from '../personal-data/personal-data.registry.js';
import { quoteIdentifier as quote } from '../../database/sql-identifier.js';

/** What one run did to one tenant: rows deleted, and rows kept but pseudonymised or redacted, per table. */
export interface TenantPurgeOutcome {
  tenantId: string;
  phase: 'purge' | 'legal-hold-end';
  deleted: Record<string, number>;
  pseudonymised: Record<string, number>;
}

type PurgePhase = TenantPurgeOutcome['phase'];

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
    const due = await maintenanceFork(this.orm).execute<{ id: string; status: 'CLOSED' | 'PURGED' }[]>(
      `select id, status from tenant
        where (status = 'CLOSED' and purge_after <= ?) or (status = 'PURGED' and legal_hold_until <= ?)
        order by id`,
      [now, now],
    );
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
    if (!(await this.stillDue(tx, tenantId, phase, now))) return null;
    const outcome: TenantPurgeOutcome = { tenantId, phase, deleted: {}, pseudonymised: {} };
    const kept = phase === 'purge' ? new Set(this.registry.legalHoldTables().map((t) => t.table)) : new Set<string>();
    const tables = await this.tenantTablesChildrenFirst(tx);
    const appendOnly = new Set(tables.filter((t) => !t.appDeletes).map((t) => t.name));

    await asTenantPurge(tx, tenantId, async () => {
      if (phase === 'purge') {
        count(outcome.pseudonymised, AUDIT_TABLE, await this.auditRedaction.redactTenant(tx, tenantId, now));
      } else {
        count(outcome.deleted, 'audit_chain_head', await affected(tx, `delete from audit_chain_head where chain_key = ?`, [tenantId]));
      }
      // The tenant's history that the app role may never delete (its consent ledger; at the end its audit trail and
      // its privacy requests, whose events go with them), and its members' sessions that acted in it.
      for (const table of appendOnly) {
        if (kept.has(table)) continue;
        count(outcome.deleted, table, await affected(tx, `delete from ${quote(table)} where tenant_id = ?`, [tenantId]));
      }
    });

    for (const { name } of tables) {
      if (kept.has(name) || appendOnly.has(name)) continue;
      count(outcome.deleted, name, await affected(tx, `delete from ${quote(name)} where tenant_id = ?`, [tenantId]));
    }
    for (const table of kept) {
      if (table === AUDIT_TABLE) continue;
      const rows = table === REQUEST_EVENTS ? await blankRequestHistory(tx, { tenantId }) : await this.eraser.eraseTenantRows(tx, table, tenantId);
      count(outcome.pseudonymised, table, rows);
    }
    if (phase === 'purge') {
      for (const { table, blankOnPurge } of this.registry.legalHoldTables()) {
        if (!blankOnPurge?.length) continue;
        const sets = blankOnPurge.map((column) => `${quote(column)} = null`).join(', ');
        const filled = blankOnPurge.map((column) => `${quote(column)} is not null`).join(' or ');
        count(outcome.pseudonymised, table, await affected(tx, `update ${quote(table)} set ${sets} where tenant_id = ? and (${filled})`, [tenantId]));
      }
    }

    if (phase === 'purge') {
      await affected(
        tx,
        // The company's phone and billing address go; its name and postal address stay on the records kept.
        `update tenant set status = 'PURGED', purged_at = ?, updated_at = ?, phone = null, billing_email = null,
                legal_hold_until = closed_at + make_interval(years => tax_retention_years)
          where id = ?`,
        [now, now, tenantId],
      );
    } else {
      count(outcome.deleted, 'tenant', await affected(tx, `delete from tenant where id = ?`, [tenantId]));
    }
    return outcome;
  }

  /** Locks the tenant row and re-checks that the phase is due (a reopen, or another instance, may have come first). */
  private async stillDue(tx: EntityManager, tenantId: string, phase: PurgePhase, now: Date): Promise<boolean> {
    const rows = await tx.execute<{ id: string }[]>(
      phase === 'purge'
        ? `select id from tenant where id = ? and status = 'CLOSED' and purge_after <= ? for update`
        : `select id from tenant where id = ? and status = 'PURGED' and legal_hold_until <= ? for update`,
      [tenantId, now],
    );
    return rows.length === 1;
  }

  /**
   * Every table with a tenant_id, a table before the tables it references (so deletes never wait on a foreign key),
   * and whether the app role, as the tenant, deletes its rows: not from append-only ledgers and the audit trail, which
   * it may not delete from, nor from tables whose policies give the tenant's purge to crm_maintenance (`tenant_purge`),
   * whose rows are not the tenant's to see (its members' sessions acting in it).
   */
  private async tenantTablesChildrenFirst(tx: EntityManager): Promise<{ name: string; appDeletes: boolean }[]> {
    const tables = await tx.execute<{ table_name: string; app_deletes: boolean }[]>(
      `select table_name,
              has_table_privilege(?, format('public.%I', table_name), 'DELETE')
                and not exists (select 1 from pg_policies p where p.schemaname = 'public' and p.tablename = c.table_name and p.policyname = 'tenant_purge')
                as app_deletes
         from information_schema.columns c where table_schema = 'public' and column_name = 'tenant_id' order by table_name`,
      [APP_ROLE],
    );
    const references = await tx.execute<{ child: string; parent: string }[]>(
      `select c.relname as child, p.relname as parent from pg_constraint k
         join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
        where k.contype = 'f' and k.connamespace = 'public'::regnamespace and k.conrelid <> k.confrelid`,
    );
    const referencedBy = new Map<string, string[]>();
    for (const { child, parent } of references) referencedBy.set(parent, [...(referencedBy.get(parent) ?? []), child]);
    const names = new Set(tables.map((t) => t.table_name));
    const ordered: string[] = [];
    const visited = new Set<string>();
    const visit = (table: string) => {
      if (visited.has(table)) return;
      visited.add(table);
      for (const child of referencedBy.get(table) ?? []) visit(child);
      if (names.has(table)) ordered.push(table);
    };
    for (const table of names) visit(table);
    const appDeletes = new Map(tables.map((t) => [t.table_name, t.app_deletes]));
    return ordered.map((name) => ({ name, appDeletes: appDeletes.get(name) ?? false }));
  }
}


async function affected(tx: EntityManager, sql: string, params: unknown[]): Promise<number> {
  return (await tx.execute<QueryResult>(sql, params, 'run')).affectedRows;
}

function count(into: Record<string, number>, table: string, rows: number): void {
  if (rows > 0) into[table] = (into[table] ?? 0) + rows;
}
