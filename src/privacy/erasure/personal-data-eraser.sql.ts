import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import { PersonalDataTreatment as T, type DataSubjectKind, type ErasureRule, type PersonalDataTable } from '../../common/privacy/personal-data.js';
import { PersonalDataRegistry } from '../personal-data/personal-data.registry.js';
import { quoteIdentifier as quote } from '../../database/sql-identifier.js';
import { tenantScoped } from '../../database/tenant-sql.js';

/** Whose data is erased. */
export interface ErasureSubject {
  kind: DataSubjectKind;
  id: string;
  /** A user's email, for links that match by address (invitations to it); without it such links are skipped. */
  email?: string;
}

export interface EraseOptions {
  /**
   * REDACT_COLUMNS tables the caller redacts itself, through the owning module's redaction path (the audit trail's
   * trigger allows only that): they are skipped here. Any other REDACT_COLUMNS table still fails loudly.
   */
  redactedByCaller?: ReadonlySet<string>;
}

interface ColumnShape {
  nullable: boolean;
  dataType: string;
}

/**
 * A stable placeholder for a subject's identifying fields in rows that must stay (orders under legal hold, the user
 * row others refer to): the same for every row and every retry, and not reversible to the person.
 */
export function pseudonymOf(subjectId: string): string {
  return `erased-${createHash('sha256').update(`promox-erasure:${subjectId}`).digest('hex').slice(0, 12)}`;
}

/**
 * Applies the personal-data registry's erasure rules to one module's tables for one subject. This is the generic path
 * the registry was built for: a module declares its tables once, and erasure covers them without the privacy module
 * knowing their entities. It runs in the job step's transaction under the app role and the request's tenant, so
 * row-level security still bounds what it can touch. Every statement is idempotent (delete, or set a fixed value), so
 * a step that is retried after a crash finds its work either fully done or not done at all.
 */
@Injectable()
export class PersonalDataEraser {
  constructor(private readonly registry: PersonalDataRegistry) {}

  modules(): string[] {
    return [...new Set(this.registry.tables().map((t) => t.module))];
  }

  /** Erases the subject's rows in every table the module declares; returns the rows touched per table. */
  async eraseModule(em: EntityManager, module: string, subject: ErasureSubject, options: EraseOptions = {}): Promise<Record<string, number>> {
    const touched: Record<string, number> = {};
    for (const table of this.registry.tables().filter((t) => t.module === module)) {
      const count = await this.eraseTable(em, table, subject, options);
      if (count > 0) touched[table.table] = count;
    }
    return touched;
  }

  private async eraseTable(em: EntityManager, table: PersonalDataTable, subject: ErasureSubject, options: EraseOptions): Promise<number> {
    // Links to this subject's kind, grouped by what erasure does through them (a link may override the table's rule).
    const byRule = new Map<ErasureRule, { column: string; value: string }[]>();
    for (const link of table.links) {
      if (link.subject !== subject.kind) continue;
      const value = (link.matches ?? 'id') === 'email' ? subject.email : subject.id;
      if (value === undefined) continue;
      const rule = link.onErasure ?? table.onErasure;
      byRule.set(rule, [...(byRule.get(rule) ?? []), { column: link.column, value }]);
    }
    let count = 0;
    // Deletions first, so that a row reachable through several links is not blanked and then deleted.
    for (const rule of ['DELETE_ROW', 'PSEUDONYMISE_ROW', 'BLANK_COLUMNS', 'REDACT_COLUMNS'] as const) {
      const links = byRule.get(rule);
      if (links) count += await this.applyRule(em, table, rule, links, subject, options);
    }
    return count;
  }

  private async applyRule(
    em: EntityManager,
    table: PersonalDataTable,
    rule: Exclude<ErasureRule, 'KEEP_ROW'>,
    links: { column: string; value: string }[],
    subject: ErasureSubject,
    options: EraseOptions,
  ): Promise<number> {
    const where = links.map((link) => `${quote(link.column)} = ?`).join(' or ');
    const params = links.map((link) => link.value);
    if (rule === 'DELETE_ROW') {
      return (await em.execute<QueryResult>(`delete from ${quote(table.table)} where ${where}`, params, 'run')).affectedRows;
    }
    if (rule === 'REDACT_COLUMNS') {
      if (options.redactedByCaller?.has(table.table)) return 0;
      throw new Error(`Redacting ${table.table} needs its owner's redaction path; the caller did not take it.`);
    }
    const shapes = await this.shapesOf(em, table.table);
    const pseudonym = pseudonymOf(subject.id);
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const column of table.columns) {
      const shape = this.shape(shapes, table.table, column.column);
      if (column.treatment === T.PSEUDONYMISE) {
        sets.push(`${quote(column.column)} = ?`);
        values.push(column.column.includes('email') ? `${pseudonym}@erased.invalid` : pseudonym);
      } else if (column.treatment === T.ERASE) {
        sets.push(`${quote(column.column)} = ${blankOf(shape)}`);
      }
    }
    if (sets.length === 0) return 0;
    return (await em.execute<QueryResult>(`update ${quote(table.table)} set ${sets.join(', ')} where ${where}`, [...values, ...params], 'run')).affectedRows;
  }

  /**
   * Applies a table's erasure rules to every row of a purged tenant (legal-hold rows that stay): pseudonymised columns
   * get the same pseudonym as the person's own erasure would give (derived in SQL from the row's subject id, as
   * `pseudonymOf` does), erased columns are blanked. Idempotent.
   */
  async eraseTenantRows(em: EntityManager, tableName: string, tenantId: string): Promise<number> {
    const table = this.registry.table(tableName);
    const columns = (table?.columns ?? []).filter((c) => c.treatment === T.PSEUDONYMISE || c.treatment === T.ERASE);
    if (!table || columns.length === 0) return 0;
    const subjectColumn = quote(table.links.find((link) => (link.matches ?? 'id') === 'id')?.column ?? 'id');
    const pseudonym = `'erased-' || substr(encode(sha256(convert_to('promox-erasure:' || ${subjectColumn}::text, 'UTF8')), 'hex'), 1, 12)`;
    const shapes = await this.shapesOf(em, tableName);
    const sets = columns.map((c) => {
      if (c.treatment === T.ERASE) return `${quote(c.column)} = ${blankOf(this.shape(shapes, tableName, c.column))}`;
      return `${quote(c.column)} = ${c.column.includes('email') ? `${pseudonym} || '@erased.invalid'` : pseudonym}`;
    });
    const tenant = tenantScoped({ tenantId });
    return (await em.execute<QueryResult>(`update ${quote(tableName)} set ${sets.join(', ')} where ${tenant.sql}`, [...tenant.params], 'run')).affectedRows;
  }

  private shape(shapes: Map<string, ColumnShape>, table: string, column: string): ColumnShape {
    const shape = shapes.get(column);
    if (!shape) throw new Error(`${table}.${column} is declared but does not exist.`);
    return shape;
  }

  private async shapesOf(em: EntityManager, table: string): Promise<Map<string, ColumnShape>> {
    const rows = await em.execute<{ column_name: string; is_nullable: string; data_type: string }[]>(
      `select column_name, is_nullable, data_type from information_schema.columns where table_schema = 'public' and table_name = ?`,
      [table],
    );
    return new Map(rows.map((r) => [r.column_name, { nullable: r.is_nullable === 'YES', dataType: r.data_type }]));
  }
}

/** The emptiest value a column accepts: null where allowed, else an empty text, document or array. */
function blankOf(shape: ColumnShape): string {
  if (shape.nullable) return 'null';
  if (shape.dataType === 'jsonb' || shape.dataType === 'json') return `'{}'`;
  if (shape.dataType === 'ARRAY') return `'{}'`;
  return `''`;
}
