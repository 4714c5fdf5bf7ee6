import autocannon from 'autocannon';
import { readdirSync, readFileSync } from 'node:fs';
import { cpuMillis } from './app-process.js';
import type { PageShape } from './partner-page.sql.js';
import type { Target } from './targets.js';

/** One load run of one target on one page shape. */
export interface Measurement {
  target: string;
  shape: PageShape;
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** CPU ms the target's Node process spent per request answered, or null where it can not be read. */
  nodeCpuPerRequest: number | null;
  /** CPU ms all `postgres` processes spent per request answered, or null (embedded database, no /proc). */
  postgresCpuPerRequest: number | null;
  errors: number;
}

/**
 * A client backend's title, `postgres: [cluster: ]user database host(port) activity`: its database. Other processes
 * (postmaster, checkpointer, WAL writer, autovacuum…) have other titles.
 */
const BACKEND_TITLE = /^postgres: (?:\S+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])/;

/**
 * The ids of every process named `postgres` (the server, its helpers and backends) except the backends of other
 * databases, which on a shared server are someone else's work; [] where there is none (no /proc, no server).
 */
function postgresPids(database: string | null): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return false;
          const title = BACKEND_TITLE.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, ''));
          return database === null || !title || title[1] === database;
        } catch {
          return false; // gone meanwhile
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU ms used so far by every `postgres` process on the machine, or null where there is none. Backends are counted by
 * pid, so that a connection opened or closed during the run counts only for its part; a process that ends during the
 * run loses its share, which the pools here avoid by keeping their connections. The server's own processes count
 * whoever they work for.
 */
function postgresCpu(database: string | null): Map<number, number> | null {
  const pids = postgresPids(database);
  if (pids.length === 0) return null;
  const times = new Map<number, number>();
  for (const pid of pids) {
    const ms = cpuMillis(pid);
    if (ms !== null) times.set(pid, ms);
  }
  return times;
}

function postgresCpuSpent(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let spent = 0;
  for (const [pid, ms] of after) spent += ms - (before.get(pid) ?? 0);
  return spent;
}

/** Proportional set size (shared pages split among their users) of every `postgres` process, summed; null if none. */
export function postgresPssBytes(database: string | null): number | null {
  const pids = postgresPids(database);
  if (pids.length === 0) return null;
  let total = 0;
  for (const pid of pids) {
    try {
      const kb = /^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (kb) total += Number(kb[1]) * 1024;
    } catch {
      // gone meanwhile, or not readable
    }
  }
  return total;
}

export async function measure(
  target: Target,
  shape: PageShape,
  connections: number,
  duration: number,
  cursors: (string | null)[],
  /** The database whose backends count, with the server's own processes; null: PostgreSQL is not measured. */
  database: string | null,
): Promise<Measurement> {
  let next = 0;
  const cpuBefore = cpuMillis(target.process.pid);
  const postgresBefore = database === null ? null : postgresCpu(database);
  const result = await autocannon({
    url: target.url,
    connections,
    duration,
    requests: [
      {
        setupRequest: (request) => {
          const page = target.request(shape, cursors[next++ % cursors.length]);
          return { ...request, method: page.method, path: page.path, body: page.body, headers: page.headers };
        },
      },
    ],
  });
  const cpuAfter = cpuMillis(target.process.pid);
  const postgresSpent = postgresCpuSpent(postgresBefore, database === null ? null : postgresCpu(database));
  const answered = result.requests.total;
  return {
    target: target.name,
    shape,
    connections,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    nodeCpuPerRequest: cpuBefore !== null && cpuAfter !== null && answered > 0 ? (cpuAfter - cpuBefore) / answered : null,
    postgresCpuPerRequest: postgresSpent !== null && answered > 0 ? postgresSpent / answered : null,
    errors: result.errors + result.non2xx,
  };
}
