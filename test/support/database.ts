import { Client, type QueryResultRow } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

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
  const row = rows.at(0);
  return row ? { enabled: row.relrowsecurity, forced: row.relforcerowsecurity } : undefined;
}

export interface IsolatedDatabase {
  url: string;
  /** A privileged query on this database (superuser, like privilegedQuery); it needs no `this`, so pass it on. */
  query: <R extends QueryResultRow>(sql: string, params?: unknown[]) => Promise<R[]>;
  drop(): Promise<void>;
}

/**
 * A database of the suite's own, for tests whose changes reach every user of a database (publishing a policy version
 * makes every account accept it again), so that suites running in parallel on the shared one are not affected. A
 * fresh PGlite on the embedded run; a new database on the same server otherwise. The test server migrates it at boot.
 */
export async function isolatedDatabase(): Promise<IsolatedDatabase> {
  const shared = process.env.DATABASE_URL;
  if (!shared) throw new Error('DATABASE_URL is not set: the global setup should have set it.');
  let url: string;
  let drop: () => Promise<void>;
  if (process.env.TEST_EMBEDDED_DATABASE === '1') {
    const embedded = await startEmbeddedPostgres({ maxConnections: 16 });
    url = embedded.url;
    drop = () => embedded.stop();
  } else {
    const parsed = new URL(shared);
    const name = `${parsed.pathname.slice(1)}_iso_${Math.random().toString(36).slice(2, 10)}`;
    await privilegedQuery(`create database "${name}"`);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    drop = () => privilegedQuery(`drop database if exists "${name}" with (force)`).then(() => undefined);
  }
  return {
    url,
    async query<R extends QueryResultRow>(sql: string, params: unknown[] = []) {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query<R>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    drop,
  };
}
