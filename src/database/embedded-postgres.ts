import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export interface EmbeddedPostgres {
  /** A postgres:// URL that the regular driver connects to. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory to persist to; in memory when omitted (tests). */
  dataDir?: string;
  /** Must be at least the ORM pool size plus the migrator's connection, or connections get reset. */
  maxConnections: number;
  port?: number;
}

/**
 * PostgreSQL without a server install: PGlite (PostgreSQL compiled to WASM) served over the wire protocol, so the app
 * talks to it through the same driver it uses in production.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
  }
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({
    db: keepExtendedQueriesTogether(db),
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections,
  });
  await server.start();
  return {
    url: `postgresql://postgres:postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Frontend messages of the extended query protocol that leave a sequence open until its Sync. */
const SEQUENCE_MESSAGES = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
const SEQUENCE_ENDS = new Set(['S', 'Q'].map((c) => c.charCodeAt(0)));

interface QueueFacingDatabase {
  isInTransaction(): boolean;
  execProtocolRawStream(message: Uint8Array, options: unknown): Promise<unknown>;
  exec(sql: string): Promise<unknown>;
}

/**
 * PGlite is one backend session shared by every socket connection, and pglite-socket queues single protocol messages.
 * Between one connection's Parse and its Sync another connection's Parse could run and replace the unnamed prepared
 * statement ("unnamed prepared statement does not exist" under concurrency). The queue already keeps serving the same
 * connection while a transaction is open; telling it that a Parse…Sync sequence is open too keeps each sequence whole.
 */
function keepExtendedQueriesTogether<T extends object>(db: T): T {
  let sequenceOpen = false;
  const target = db as unknown as QueueFacingDatabase;
  return new Proxy(db, {
    get(object, property, receiver) {
      if (property === 'isInTransaction') return () => sequenceOpen || target.isInTransaction();
      if (property === 'execProtocolRawStream') {
        return async (message: Uint8Array, options: unknown) => {
          const type = message[0];
          try {
            return await target.execProtocolRawStream(message, options);
          } finally {
            if (SEQUENCE_MESSAGES.has(type)) sequenceOpen = true;
            else if (SEQUENCE_ENDS.has(type)) sequenceOpen = false;
          }
        };
      }
      if (property === 'exec') {
        // The queue rolls back when the connection it was serving goes away: its sequence is over too.
        return async (sql: string) => {
          sequenceOpen = false;
          return target.exec(sql);
        };
      }
      const value: unknown = Reflect.get(object, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}
