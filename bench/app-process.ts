import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The environment the benchmarks run the API with: production mode, quiet logs, rate limits out of the way. */
export function benchAppEnvironment(databaseUrl: string, port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: randomBytes(32).toString('hex'),
    SUPPRESSION_HASH_KEY: randomBytes(32).toString('hex'),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    RATE_LIMIT_PER_ACTOR_PER_MINUTE: '100000000',
    RATE_LIMIT_PER_IP_PER_MINUTE: '100000000',
  };
}

/** Resolves once `readyUrl` answers 2xx; rejects after a minute, or as soon as the process exits. */
export function waitUntilReady(child: ChildProcess, name: string, readyUrl: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = async (): Promise<void> => {
      try {
        const response = await fetch(readyUrl);
        if (response.ok) {
          resolve(child);
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null) {
        reject(new Error(`${name} did not start`));
        return;
      }
      setTimeout(() => void poll(), 250);
    };
    void poll();
  });
}

export interface StartCommand {
  /** Variables set in front of the command (`MALLOC_ARENA_MAX=2 node …`). */
  env: Record<string, string>;
  /** Node's own flags, before the script. */
  nodeFlags: string[];
  script: string;
}

/**
 * The command `npm start` runs, read from package.json, so that a benchmark measures the process as it is deployed
 * (the same Node flags and variables), or another command given in the same form, to compare settings. Only the plain
 * form `[VAR=value …] node [--flag …] script` is understood.
 */
export function startCommand(command?: string): StartCommand {
  const start = command ?? (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  const words = start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name = '', ...value] = (words.shift() ?? '').split('=');
    env[name] = value.join('=');
  }
  if (words.shift() !== 'node') throw new Error(`not "[VAR=value …] node … script": ${start}`);
  const script = words.pop();
  if (!script || words.some((word) => !word.startsWith('--'))) throw new Error(`not "[VAR=value …] node [--flag …] script": ${start}`);
  return { env, nodeFlags: words, script };
}

/** Resident set size of a process in bytes, from /proc (Linux); null where it cannot be read. */
export function rssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Kernel clock ticks per second, the unit of the CPU times in /proc/<pid>/stat. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system) a process has used so far, in ms, read from /proc without touching the process; null where
 * there is no /proc (macOS). Unlike req/s and latency, CPU per request barely moves when other work shares the cores.
 */
export function cpuMillis(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is the 3rd field, utime the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, picked by the OS: a random one in a fixed range can land on
 * a system service (epmd's 4369 did).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}
