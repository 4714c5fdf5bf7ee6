import { Injectable } from '@nestjs/common';
import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import type { PersonalDataTable } from '../../common/privacy/personal-data.js';
import { ERASING_MENTIONS_SETTING } from '../../database/base.entity.js';
import { quoteIdentifier as quote } from '../../database/sql-identifier.js';
import { PersonalDataRegistry } from '../personal-data/personal-data.registry.js';
import { ERASED_MARKER, identifierPatterns, type SubjectIdentifiers } from './identifier-patterns.js';

/** Which rows a pass reaches: a tenant's (a contact's erasure, or a user's in each of their tenants), or the platform's. */
export type MentionScope = 'tenant' | 'platform';

const TEXT_TYPES = new Set(['text', 'character varying', 'character']);

/**
 * Erases a subject's identifiers from free text: every column a module declares as free text (notes, bodies, reasons),
 * whoever its row belongs to, gets each of the subject's names, email addresses and phone numbers replaced with
 * `[erased]`, the rest of the text staying (SubjectIdentifierReader says what to look for). Runs in the job step's
 * transaction under the app role, so row-level security bounds it to the tenant of the pass; idempotent.
 */
@Injectable()
export class MentionEraser {
  constructor(private readonly registry: PersonalDataRegistry) {}

  /** Replaces the identifiers in every declared free-text column the scope reaches; rows changed per table. */
  async eraseMentions(em: EntityManager, identifiers: SubjectIdentifiers, scope: MentionScope): Promise<Record<string, number>> {
    const patterns = identifierPatterns(identifiers);
    const touched: Record<string, number> = {};
    if (patterns.length === 0) return touched;
    for (const table of this.registry.tables()) {
      // A tenant's pass leaves platform rows alone: a contact of one tenant is no one in the platform's records.
      if (!table.freeText?.length || (scope === 'tenant' && table.platform)) continue;
      const count = await this.eraseInTable(em, table, patterns);
      if (count > 0) touched[table.table] = count;
    }
    return touched;
  }

  private async eraseInTable(em: EntityManager, table: PersonalDataTable, patterns: string[]): Promise<number> {
    const columns = table.freeText ?? [];
    await this.assertText(
      em,
      table.table,
      columns.map((c) => c.column),
    );
    const replaced = (column: string) => patterns.reduce((sql) => `regexp_replace(${sql}, ?, ?, 'g')`, quote(column));
    const sets = columns.map((c) => `${quote(c.column)} = ${replaced(c.column)}`);
    const matches = columns.map((c) => `${quote(c.column)} ~ ?`).join(' or ');
    const any = patterns.map((pattern) => `(?:${pattern})`).join('|');
    const params = [...columns.flatMap(() => patterns.flatMap((pattern) => [pattern, ERASED_MARKER])), ...columns.map(() => any)];
    const appendOnly = columns.some((c) => c.appendOnly);
    if (appendOnly) await em.execute(`select set_config('${ERASING_MENTIONS_SETTING}', 'on', true)`);
    const result = await em.execute<QueryResult>(`update ${quote(table.table)} set ${sets.join(', ')} where ${matches}`, params, 'run');
    if (appendOnly) await em.execute(`select set_config('${ERASING_MENTIONS_SETTING}', '', true)`);
    return result.affectedRows;
  }

  private async assertText(em: EntityManager, table: string, columns: string[]): Promise<void> {
    const rows = await em.execute<{ column_name: string; data_type: string }[]>(
      `select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = ?`,
      [table],
    );
    const types = new Map(rows.map((r) => [r.column_name, r.data_type]));
    for (const column of columns) {
      if (!TEXT_TYPES.has(types.get(column) ?? '')) throw new Error(`${table}.${column} is declared as free text but is not a text column.`);
    }
  }
}
