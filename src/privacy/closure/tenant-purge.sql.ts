import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import { APP_ROLE } from '../../database/base.entity.js';
import { quoteIdentifier as quote } from '../../database/sql-identifier.js';
import { tenantScoped } from '../../database/tenant-sql.js';

export type PurgePhase = 'purge' | 'legal-hold-end';

/** One purged tenant, as the purge's statements name it. */
interface Purged {
  tenantId: string;
}

async function affected(tx: EntityManager, sql: string, params: readonly unknown[]): Promise<number> {
  return (await tx.execute<QueryResult>(sql, [...params], 'run')).affectedRows;
}

/** Tenants due for a phase as of `now`: closed past their grace period, or purged past their legal hold. */
export function dueTenants(em: EntityManager, now: Date): Promise<{ id: string; status: 'CLOSED' | 'PURGED' }[]> {
  return em.execute<{ id: string; status: 'CLOSED' | 'PURGED' }[]>(
    `select id, status from tenant
      where (status = 'CLOSED' and purge_after <= ?) or (status = 'PURGED' and legal_hold_until <= ?)
      order by id`,
    [now, now],
  );
}

/** Locks the tenant row and re-checks that the phase is due (a reopen, or another instance, may have come first). */
export async function lockIfDue(tx: EntityManager, tenantId: string, phase: PurgePhase, now: Date): Promise<boolean> {
  const rows = await tx.execute<{ id: string }[]>(
    phase === 'purge'
      ? `select id from tenant where id = ? and status = 'CLOSED' and purge_after <= ? for update`
      : `select id from tenant where id = ? and status = 'PURGED' and legal_hold_until <= ? for update`,
    [tenantId, now],
  );
  return rows.length === 1;
}

/** Deletes the tenant's rows of `table`. */
export function deleteTenantRows(tx: EntityManager, purged: Purged, table: string): Promise<number> {
  const tenant = tenantScoped(purged);
  return affected(tx, `delete from ${quote(table)} where ${tenant.sql}`, tenant.params);
}

/** The tenant's audit chain head, once its trail is gone. */
export function deleteChainHead(tx: EntityManager, purged: Purged): Promise<number> {
  const chain = tenantScoped(purged, { column: 'chain_key' });
  return affected(tx, `delete from audit_chain_head where ${chain.sql}`, chain.params);
}

/** Blanks `columns` in the tenant's rows of `table` where any is set. */
export function blankTenantColumns(tx: EntityManager, purged: Purged, table: string, columns: readonly string[]): Promise<number> {
  const tenant = tenantScoped(purged);
  const sets = columns.map((column) => `${quote(column)} = null`).join(', ');
  const filled = columns.map((column) => `${quote(column)} is not null`).join(' or ');
  return affected(tx, `update ${quote(table)} set ${sets} where ${tenant.sql} and (${filled})`, tenant.params);
}

/** The tenant is PURGED: its phone and billing address go; its name and postal address stay on the records kept. */
export async function markPurged(tx: EntityManager, tenantId: string, now: Date): Promise<void> {
  await affected(
    tx,
    `update tenant set status = 'PURGED', purged_at = ?, updated_at = ?, phone = null, billing_email = null,
            legal_hold_until = closed_at + make_interval(years => tax_retention_years)
      where id = ?`,
    [now, now, tenantId],
  );
}

export function deleteTenant(tx: EntityManager, tenantId: string): Promise<number> {
  return affected(tx, `delete from tenant where id = ?`, [tenantId]);
}

/**
 * Every table with a tenant_id, a table before the tables it references (so deletes never wait on a foreign key),
 * and whether the app role, as the tenant, deletes its rows: not from append-only ledgers and the audit trail, which
 * it may not delete from, nor from tables whose policies give the tenant's purge to crm_maintenance (`tenant_purge`),
 * whose rows are not the tenant's to see (its members' sessions acting in it).
 */
export async function tenantTablesChildrenFirst(tx: EntityManager): Promise<{ name: string; appDeletes: boolean }[]> {
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
