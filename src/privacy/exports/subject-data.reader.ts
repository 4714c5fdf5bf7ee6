import type { EntityManager } from '@mikro-orm/postgresql';
import { PersonalDataTreatment, type DataSubjectKind, type PersonalDataTable } from '../../common/privacy/personal-data.js';
import { tenantScoped } from '../../database/tenant-sql.js';

const PAGE_SIZE = 500;
const PAGE_KEY = '__key';
/** Row context worth giving back although the registry does not list it as personal: when the row was made. */
const CONTEXT_COLUMNS = ['id', 'created_at', 'updated_at'];

export type ExportRow = Record<string, unknown>;

export interface Subject {
  kind: DataSubjectKind;
  id: string;
  /** The user's email, for links that match by email (invitations). */
  email?: string;
}

/** One declared table as it is exported: the columns given back and how rows are found. */
export interface ExportTable {
  table: string;
  module: string;
  description: string;
  columns: string[];
  /** Columns of type timestamptz, given back in ISO 8601 UTC. */
  times: string[];
  links: { column: string; value: string }[];
  hasTenant: boolean;
}

/**
 * What to read for a subject, straight from the personal-data registry: every declared table with a link to the
 * subject's kind; its id and timestamps, its link columns and its declared columns except KEEP ones (secrets such as
 * a password hash). Undeclared columns are not given back: by the coverage test they are not personal, and some are
 * secrets (API key and refresh-token hashes).
 */
export async function planExport(em: EntityManager, tables: readonly (PersonalDataTable & { module: string })[], subject: Subject): Promise<ExportTable[]> {
  const existing = await em.execute<{ table_name: string; column_name: string; data_type: string }[]>(
    `select table_name, column_name, data_type from information_schema.columns where table_schema = current_schema() order by table_name, ordinal_position`,
  );
  const columnsOf = new Map<string, string[]>();
  const times = new Set<string>();
  for (const row of existing) {
    columnsOf.set(row.table_name, [...(columnsOf.get(row.table_name) ?? []), row.column_name]);
    if (row.data_type.startsWith('timestamp')) times.add(`${row.table_name}.${row.column_name}`);
  }
  const plan: ExportTable[] = [];
  for (const table of tables) {
    const links = table.links
      .filter((link) => link.subject === subject.kind)
      .map((link) => ({ column: link.column, value: link.matches === 'email' ? subject.email : subject.id }))
      .filter((link): link is { column: string; value: string } => typeof link.value === 'string');
    if (links.length === 0) continue;
    const present = columnsOf.get(table.table) ?? [];
    const kept = new Set(table.columns.filter((c) => c.treatment === PersonalDataTreatment.KEEP).map((c) => c.column));
    const wanted = new Set([...CONTEXT_COLUMNS, ...links.map((l) => l.column), ...table.columns.map((c) => c.column)]);
    const columns = present.filter((column) => wanted.has(column) && !kept.has(column));
    if (!present.includes('id')) throw new Error(`${table.table} has no id column to page the export by.`);
    plan.push({
      table: table.table,
      module: table.module,
      description:
        `${table.module}: rows of ${table.table} linked to you through ${links.map((l) => l.column).join(' or ')}. ` +
        `On erasure: ${table.onErasure}${table.reason ? ` (${table.reason})` : ''}.`,
      columns,
      times: columns.filter((column) => times.has(`${table.table}.${column}`)),
      links,
      hasTenant: present.includes('tenant_id'),
    });
  }
  return plan;
}

/**
 * The table's rows for the subject, a page at a time in id order (keyset, so each page is an index range and memory
 * stays one page whatever the table's size). `tenantId` confines tenant-owned tables to one tenant (null: rows of no
 * tenant); row-level security, set for the same tenant, confines them again. Pages are never empty.
 */
export async function* readRows(em: EntityManager, table: ExportTable, tenantId: string | null): AsyncGenerator<ExportRow[]> {
  const iso = new Set(table.times);
  const select = table.columns.map((c) => (iso.has(c) ? `to_char("${c}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "${c}"` : `"${c}"`)).join(', ');
  const match = table.links.map((l) => `"${l.column}" = ?`).join(' or ');
  // A tenant's rows in its pass, platform rows (no tenant) in the platform's.
  const tenant = table.hasTenant && tenantId ? tenantScoped({ tenantId }) : null;
  const scope = table.hasTenant ? (tenant ? ` and ${tenant.sql}` : ' and tenant_id is null') : '';
  let after: string | null = null;
  for (;;) {
    const params: unknown[] = [...table.links.map((l) => l.value), ...(tenant?.params ?? [])];
    if (after) params.push(after);
    params.push(PAGE_SIZE);
    // The key stays on the rows (the writers take only the table's columns): deleting it would turn every row into
    // a slower, larger dictionary-mode object.
    const rows: ExportRow[] = await em.execute<ExportRow[]>(
      `select ${select}, id as "${PAGE_KEY}" from "${table.table}" where (${match})${scope}${after ? ' and id > ?' : ''} order by id limit ?`,
      params,
    );
    if (rows.length === 0) return;
    after = rows[rows.length - 1][PAGE_KEY] as string;
    yield rows;
    if (rows.length < PAGE_SIZE) return;
  }
}
