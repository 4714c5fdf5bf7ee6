import type { QueryResultRow } from 'pg';
import { privilegedQuery } from './database';

/** A privileged query on the database to scan: the run's shared one by default, or a suite's isolated one. */
export type PrivilegedQuery = <R extends QueryResultRow>(sql: string, params?: unknown[]) => Promise<R[]>;

/** Every text-like column of every table in the public schema, from the catalog: where a trace could hide. */
export async function textColumns(query: PrivilegedQuery = privilegedQuery): Promise<{ table: string; column: string }[]> {
  return query<{ table: string; column: string }>(
    `select c.table_name as "table", c.column_name as "column"
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
        and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb') or c.udt_name in ('_text', '_varchar'))
      order by 1, 2`,
  );
}

/** `table.column` of every place that still holds any of the terms, case-insensitively. */
export async function traces(terms: string[], query: PrivilegedQuery = privilegedQuery): Promise<string[]> {
  const patterns = terms.map((term) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const found: string[] = [];
  for (const { table, column } of await textColumns(query)) {
    const [row] = await query<{ n: string }>(`select count(*) as n from "${table}" where "${column}"::text ilike any($1)`, [patterns]);
    if (Number(row.n) > 0) found.push(`${table}.${column}`);
  }
  return found;
}
