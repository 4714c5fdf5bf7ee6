import { Client, type QueryResultRow } from 'pg';

/**
 * A privileged connection to the run's database (the URL the global setup exported), outside the app's ORM and its
 * roles: superuser on PGlite and on the CI server, so row-level security does not apply to it. For inspecting the
 * catalog and for counting or reading rows that a test's subject must not see. Opens and closes a connection per call,
 * so it never holds a transaction while the app's connections work (PGlite serialises them).
 */
export async function privilegedQuery<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set: the global setup should have set it.');
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const result = await client.query<R>(sql, params);
    return result.rows;
  } finally {
    await client.end();
  }
}

/** Row-level security flags of a table, from pg_class. */
export async function rowSecurityOf(table: string): Promise<{ enabled: boolean; forced: boolean } | undefined> {
  const rows = await privilegedQuery<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>(
    `select c.relrowsecurity, c.relforcerowsecurity
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relname = $1 and c.relkind = 'r'`,
    [table],
  );
  const row = rows[0];
  return row ? { enabled: row.relrowsecurity, forced: row.relforcerowsecurity } : undefined;
}
