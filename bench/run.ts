import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { buildOrmConfig } from '../src/database/mikro-orm.config.js';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { initOrm, migrate } from '../src/database/migrate.js';
import { benchAppEnvironment, cpuMillis, startCommand, waitUntilReady } from './app-process.js';
import { seed } from './seed.js';

/**
 * `npm run bench`: seeds the configured database (DATABASE_URL, or the embedded one under DATA_DIR), then measures the
 * partner query "50 orders updated since T, with client, contact and lines" through the GraphQL API and through the raw
 * handler (the floor), side by side in one run, at 1, 8 and 32 concurrent clients.
 *
 * Options: --orders N (large tenant, default 100000), --lines N (per order, default 5), --duration S (per
 * measurement, default 10), --connections 1,8,32, --since-days D (default 60).
 */
const PARTNER_QUERY = `query PartnerOrders($since: DateTime!, $after: String) {
  orders(first: 50, after: $after, filter: { updatedAfter: $since }, sort: { field: CHANGED, direction: ASC }) {
    edges { cursor node { id number status currency inHandsDate updatedAt subtotal
      externalReferences { system kind value }
      client { id name } contact { id firstName lastName email phone }
      lines { id position productName sku supplier quantity unitPrice lineTotal decoration colour } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Options {
  orders: number;
  lines: number;
  duration: number;
  connections: number[];
  sinceDays: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: string) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 && argv[index + 1] ? argv[index + 1] : fallback;
  };
  return {
    orders: Number(value('orders', '100000')),
    lines: Number(value('lines', '5')),
    duration: Number(value('duration', '10')),
    connections: value('connections', '1,8,32').split(',').map(Number),
    sinceDays: Number(value('since-days', '60')),
  };
}

const log = (line: string) => {
  console.log(`[bench] ${line}`);
};

function start(script: string, env: Record<string, string>, readyUrl: string, nodeFlags: string[] = []): Promise<ChildProcess> {
  const child = fork(script, [], { env: { ...process.env, ...env }, execArgv: nodeFlags, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return waitUntilReady(child, script, readyUrl);
}

const cpu = (ms: number | null) => (ms === null ? 'n/a' : ms.toFixed(2));
const cpuRatio = (raw: number | null, api: number | null) => (raw === null || api === null || api === 0 ? 'n/a' : (raw / api).toFixed(2));

interface Target {
  name: string;
  /** The server process, whose CPU time is measured. */
  process: ChildProcess;
  /** Builds one request for a page of the feed. */
  request: (after: string | null) => { method: 'GET' | 'POST'; path: string; body?: string; headers: Record<string, string> };
  url: string;
}

async function fetchPage(target: Target, after: string | null): Promise<unknown> {
  const request = target.request(after);
  const response = await fetch(target.url + request.path, { method: request.method, headers: request.headers, body: request.body });
  if (!response.ok) throw new Error(`${target.name} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

interface Measurement {
  target: string;
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** CPU ms the server process spent per request answered, or null where it can not be read. */
  cpuPerRequest: number | null;
  errors: number;
}

async function measure(target: Target, connections: number, duration: number, cursors: (string | null)[]): Promise<Measurement> {
  let next = 0;
  const cpuBefore = cpuMillis(target.process.pid);
  const result = await autocannon({
    url: target.url,
    connections,
    duration,
    requests: [
      {
        setupRequest: (request) => {
          const page = target.request(cursors[next++ % cursors.length]);
          return { ...request, method: page.method, path: page.path, body: page.body, headers: page.headers };
        },
      },
    ],
  });
  const cpuAfter = cpuMillis(target.process.pid);
  const answered = result.requests.total;
  return {
    target: target.name,
    connections,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequest: cpuBefore !== null && cpuAfter !== null && answered > 0 ? (cpuAfter - cpuBefore) / answered : null,
    errors: result.errors + result.non2xx,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  let databaseUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (!databaseUrl) {
    log('DATABASE_URL is not set: using the embedded PGlite database (figures will not represent PostgreSQL)');
    const embedded = await startEmbeddedPostgres({ dataDir: join(process.env.DATA_DIR ?? '.data', 'bench-pglite'), maxConnections: 64 });
    databaseUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
  }

  const orm = await initOrm(buildOrmConfig({ clientUrl: databaseUrl, poolSize: 2, entities: ['dist/src/**/*.entity.js'] }));
  await migrate(orm);
  await orm.close();
  const tenant = await seed(databaseUrl, { largeOrders: options.orders, linesPerOrder: options.lines, smallTenants: 19, smallOrders: 2_000 }, log);

  const apiPort = 4200 + Math.floor(Math.random() * 500);
  const rawPort = apiPort + 1000;
  const children: ChildProcess[] = [];
  try {
    // The API runs as `npm start` runs it, with the same Node flags and variables.
    const command = startCommand();
    const apiProcess = await start(
      command.script,
      { ...command.env, ...benchAppEnvironment(databaseUrl, apiPort) },
      `http://127.0.0.1:${apiPort}/health/ready`,
      command.nodeFlags,
    );
    children.push(apiProcess);
    const rawProcess = await start('dist/bench/raw-handler.js', { DATABASE_URL: databaseUrl, PORT: String(rawPort) }, `http://127.0.0.1:${rawPort}/health`);
    children.push(rawProcess);

    const since = new Date(Date.now() - options.sinceDays * 86_400_000).toISOString();
    const auth = { authorization: `Bearer ${tenant.apiKey}` };
    const api: Target = {
      name: 'GraphQL API',
      process: apiProcess,
      url: `http://127.0.0.1:${apiPort}`,
      request: (after) => ({
        method: 'POST',
        path: '/graphql',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ query: PARTNER_QUERY, variables: { since, after } }),
      }),
    };
    const raw: Target = {
      name: 'raw node:http + pg',
      process: rawProcess,
      url: `http://127.0.0.1:${rawPort}`,
      request: (after) => ({
        method: 'GET',
        path: `/orders?since=${encodeURIComponent(since)}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        headers: auth,
      }),
    };

    // Walk the first pages of the feed through both, checking they answer the same JSON, and keep the cursors so the
    // load spreads over several pages.
    const cursors: (string | null)[] = [null];
    let checked = 0;
    for (let i = 0; i < 20; i++) {
      const [fromApi, fromRaw] = await Promise.all([fetchPage(api, cursors[i]), fetchPage(raw, cursors[i])]);
      if (!isDeepStrictEqual(fromApi, fromRaw)) {
        throw new Error(
          `The API and the raw handler disagree on page ${i + 1}:\n${JSON.stringify(fromApi).slice(0, 2000)}\n---\n${JSON.stringify(fromRaw).slice(0, 2000)}`,
        );
      }
      checked += 1;
      const info = (fromApi as { data: { orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null } } } }).data.orders.pageInfo;
      if (!info.hasNextPage || !info.endCursor) break;
      cursors.push(info.endCursor);
    }
    log(`the API and the raw handler return identical JSON for ${checked} pages`);

    const rows: Measurement[] = [];
    for (const connections of options.connections) {
      for (const target of [raw, api]) {
        const measurement = await measure(target, connections, options.duration, cursors);
        rows.push(measurement);
        log(
          `${target.name.padEnd(20)} ${String(connections).padStart(3)} clients: ${measurement.requestsPerSecond.toFixed(0).padStart(6)} req/s, ` +
            `p50 ${measurement.p50} ms, p99 ${measurement.p99} ms, CPU ${cpu(measurement.cpuPerRequest)} ms/request, errors ${measurement.errors}`,
        );
      }
    }

    console.log(
      `\nPartner page: 50 orders with client, contact and lines; large tenant ${options.orders.toLocaleString('en-US')} orders × ${options.lines} lines, 20 tenants; ${options.duration} s per measurement.\n`,
    );
    // CPU ms per request is the figure to compare across runs on a shared machine; the last column is what the ratio
    // of req/s would be if each process had the cores to itself.
    console.log(
      '| clients | raw req/s | raw p50 / p99 (ms) | raw CPU ms/req | API req/s | API p50 / p99 (ms) | API CPU ms/req | API / raw | API / raw by CPU |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const connections of options.connections) {
      const r = rows.find((m) => m.target === raw.name && m.connections === connections);
      const a = rows.find((m) => m.target === api.name && m.connections === connections);
      if (!r || !a) throw new Error(`no measurement for ${connections} connections`);
      console.log(
        `| ${connections} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} / ${r.p99} | ${cpu(r.cpuPerRequest)} | ` +
          `${a.requestsPerSecond.toFixed(0)} | ${a.p50} / ${a.p99} | ${cpu(a.cpuPerRequest)} | ` +
          `${(a.requestsPerSecond / r.requestsPerSecond).toFixed(2)} | ${cpuRatio(r.cpuPerRequest, a.cpuPerRequest)} |`,
      );
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await stopEmbedded?.();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
