import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, type QueryResultRow } from 'pg';
import { freePort } from './free-port';

const run = promisify(execFile);

/**
 * Where the machine's PostgreSQL server binaries are (initdb, pg_ctl): POSTGRES_BIN_DIR, or the newest
 * /usr/lib/postgresql/<major>/bin (Debian's layout). Null when there are none, and the reason why.
 */
export function findPostgresBinaries(): { dir: string } | { dir: null; reason: string } {
  const candidates: string[] = [];
  if (process.env.POSTGRES_BIN_DIR) candidates.push(process.env.POSTGRES_BIN_DIR);
  if (existsSync('/usr/lib/postgresql')) {
    const majors = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((major) => `/usr/lib/postgresql/${major}/bin`));
  }
  const dir = candidates.find((candidate) => existsSync(join(candidate, 'initdb')) && existsSync(join(candidate, 'pg_ctl')));
  if (dir) return { dir };
  return { dir: null, reason: `no initdb and pg_ctl in ${candidates.length ? candidates.join(', ') : '/usr/lib/postgresql/*/bin'} (set POSTGRES_BIN_DIR)` };
}

export interface PostgresCluster {
  port: number;
  /** A connection URL for `database` on this cluster (superuser `root`, trust authentication). */
  url(database: string): string;
  query<R extends QueryResultRow>(database: string, sql: string, params?: unknown[]): Promise<R[]>;
  /** `pg_ctl stop -m fast`: every connection is terminated, and new ones are refused until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP to the server and its backends: connections stay open, and nothing answers until thaw(). */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** The server's log so far, for a failing test's message. */
  log(): string;
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own, in a temporary directory on a free port, so that the test may stop and
 * restart it without touching the machine's shared server. initdb and postgres refuse to run as root: as root they run
 * as the `postgres` user (runuser), in a directory that user owns.
 */
export async function startPostgresCluster(binDir: string): Promise<PostgresCluster> {
  const base = mkdtempSync(join(tmpdir(), 'promox-pg-'));
  const data = join(base, 'data');
  const logFile = join(base, 'server.log');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(base, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(binDir, tool), ...args]) : run(join(binDir, tool), args));

  await pg('initdb', ['-D', data, '-U', 'root', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  // fsync off: the test needs a fast server, and a fast shutdown still writes every committed row out.
  const options = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const start = () => pg('pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', '30', '-o', options]).then(() => undefined);
  await start();

  const url = (database: string) => `postgresql://root@127.0.0.1:${port}/${database}`;
  /** The postmaster (first line of postmaster.pid) and its children: the backends and auxiliary processes. */
  const serverProcesses = async (): Promise<number[]> => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(postmaster)]);
    return [
      postmaster,
      ...stdout
        .split('\n')
        .filter((line) => line.trim())
        .map(Number),
    ];
  };
  const signal = async (name: NodeJS.Signals) => {
    for (const pid of await serverProcesses()) process.kill(pid, name);
  };
  return {
    port,
    url,
    async query<R extends QueryResultRow>(database: string, sql: string, params: unknown[] = []) {
      const client = new Client({ connectionString: url(database) });
      await client.connect();
      try {
        return (await client.query<R>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    stop: () => pg('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']).then(() => undefined),
    start,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async destroy() {
      await signal('SIGCONT').catch(() => undefined);
      await pg('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30']).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
