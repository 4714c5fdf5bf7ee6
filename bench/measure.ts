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

/** The ids of every process named `postgres` (the server and its backends), from /proc; [] where there is none. */
function postgresPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
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
 * run loses its share, which the pools here avoid by keeping their connections. Other work on the same server counts
 * too: the figure is for a server the bench has to itself.
 */
function postgresCpu(): Map<number, number> | null {
  const pids = postgresPids();
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
export function postgresPssBytes(): number | null {
  const pids = postgresPids();
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
  measurePostgres: boolean,
): Promise<Measurement> {
  let next = 0;
  const cpuBefore = cpuMillis(target.process.pid);
  const postgresBefore = measurePostgres ? postgresCpu() : null;
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
  const postgresSpent = postgresCpuSpent(postgresBefore, measurePostgres ? postgresCpu() : null);
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
