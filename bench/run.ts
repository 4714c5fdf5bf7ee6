import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { buildOrmConfig } from '../src/database/mikro-orm.config.js';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { initOrm, migrate } from '../src/database/migrate.js';
import { benchAppEnvironment, freePort, rssBytes, startCommand, waitUntilReady } from './app-process.js';
import { measure, postgresPssBytes, type Measurement } from './measure.js';
import type { PageShape } from './partner-page.sql.js';
import { seed } from './seed.js';
import { API_DOCUMENTS, POSTGRAPHILE_DOCUMENTS, readApiPage, readPostGraphilePage, type Target } from './targets.js';

/**
 * `npm run bench`: seeds the configured database (DATABASE_URL, or the embedded one under DATA_DIR), then measures the
 * partner page "50 orders changed since T" in two shapes (everything the partner syncs, and the common fields) through
 * the GraphQL API, through PostGraphile 5 on the same tables, and through the floor (bench/floor.ts: one round trip of
 * prepared statements, PostgreSQL's JSON passed through), at 1, 8 and 32 concurrent clients.
 *
 * Options: --orders N (large tenant, default 100000), --lines N (per order, default 5), --duration S (per
 * measurement, default 10), --connections 1,8,32, --since-days D (default 60), --no-postgraphile.
 */
interface Options {
  orders: number;
  lines: number;
  duration: number;
  connections: number[];
  sinceDays: number;
  postgraphile: boolean;
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
    postgraphile: !argv.includes('--no-postgraphile'),
  };
}

const SHAPES: PageShape[] = ['full', 'common'];
const SHAPE_NAMES: Record<PageShape, string> = { full: 'full partner page', common: 'common fields' };
/** Pages walked (and compared) per target and shape; the load then cycles through them. */
const PAGES = 20;

const log = (line: string) => {
  console.log(`[bench] ${line}`);
};

function start(script: string, env: Record<string, string>, readyUrl: string, nodeFlags: string[] = []): Promise<ChildProcess> {
  const child = fork(script, [], { env: { ...process.env, ...env }, execArgv: nodeFlags, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return waitUntilReady(child, script, readyUrl).catch((error: unknown) => {
    child.kill('SIGTERM');
    throw error;
  });
}

async function fetchPage(target: Target, shape: PageShape, after: string | null): Promise<unknown> {
  const request = target.request(shape, after);
  const response = await fetch(target.url + request.path, { method: request.method, headers: request.headers, body: request.body });
  if (!response.ok) throw new Error(`${target.name} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/**
 * Walks the first pages of the feed through every target, each with its own cursors, and checks that they show the
 * same orders: the floor the very same JSON as the API (cursors included), the others the same nodes once read into
 * the API's shape. Returns each target's cursors, so that the load spreads over several pages.
 */
async function walkAndCompare(targets: Target[], shape: PageShape): Promise<Map<Target, (string | null)[]>> {
  const [reference, ...others] = targets;
  const cursors = new Map(targets.map((target) => [target, [null] as (string | null)[]]));
  let checked = 0;
  for (let i = 0; i < PAGES; i++) {
    const bodies = await Promise.all(targets.map((target) => fetchPage(target, shape, (cursors.get(target) ?? [])[i])));
    const reads = targets.map((target, index) => target.read(shape, bodies[index]));
    for (const [index, target] of others.entries()) {
      const same = target.name.startsWith('floor')
        ? isDeepStrictEqual(bodies[0], bodies[index + 1])
        : isDeepStrictEqual(reads[0].nodes, reads[index + 1].nodes) && reads[0].hasNextPage === reads[index + 1].hasNextPage;
      if (!same) {
        throw new Error(
          `${reference.name} and ${target.name} disagree on page ${i + 1} (${shape}):\n` +
            `${JSON.stringify(reads[0]).slice(0, 1500)}\n---\n${JSON.stringify(reads[index + 1]).slice(0, 1500)}`,
        );
      }
    }
    checked += 1;
    if (!reads[0].hasNextPage) break;
    targets.forEach((target, index) => cursors.get(target)?.push(reads[index].endCursor));
  }
  log(`${SHAPE_NAMES[shape]}: ${targets.map((target) => target.name).join(', ')} show the same orders on ${checked} pages`);
  return cursors;
}

/**
 * The floor and PostGraphile find the tenant from the key themselves and leave the rest to row-level security: with a
 * key that matches nothing they must show no order at all (the API answers 401 itself).
 */
async function checkUnknownKey(targets: Target[]): Promise<void> {
  for (const target of targets) {
    const request = target.request('full', null);
    const headers = { ...request.headers, authorization: 'Bearer pxk_not_a_key' };
    const response = await fetch(target.url + request.path, { method: request.method, headers, body: request.body });
    const read = target.read('full', await response.json());
    if (read.nodes.length > 0) throw new Error(`${target.name} shows ${read.nodes.length} orders to an unknown API key`);
  }
  log(`${targets.map((target) => target.name).join(', ')} show no order to an unknown API key`);
}

const fixed = (value: number | null, digits = 2) => (value === null ? 'n/a' : value.toFixed(digits));
const mib = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`);
const sum = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

function printTable(rows: Measurement[], options: Options, floorName: string): void {
  console.log(
    `\nPartner pages of 50 orders; large tenant ${options.orders.toLocaleString('en-US')} orders × ${options.lines} lines, 20 tenants; ${options.duration} s per measurement.\n`,
  );
  // CPU ms per request is the figure to compare across runs on a shared machine; "CPU ÷ floor" is what the throughput
  // ratio would be if the processes had the cores to themselves.
  console.log(
    '| page | clients | target | req/s | p50 / p99 (ms) | req/s ÷ floor | Node CPU ms/req | PostgreSQL CPU ms/req | CPU ms/req | CPU ÷ floor | errors |',
  );
  console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const floor = rows.find((m) => m.target === floorName && m.shape === row.shape && m.connections === row.connections);
    // Without PostgreSQL's share (embedded database) a total would compare unlike things: n/a.
    const total = sum(row.nodeCpuPerRequest, row.postgresCpuPerRequest);
    const floorTotal = floor ? sum(floor.nodeCpuPerRequest, floor.postgresCpuPerRequest) : null;
    console.log(
      `| ${SHAPE_NAMES[row.shape]} | ${row.connections} | ${row.target} | ${row.requestsPerSecond.toFixed(0)} | ${row.p50} / ${row.p99} | ` +
        `${floor ? (row.requestsPerSecond / floor.requestsPerSecond).toFixed(2) : 'n/a'} | ${fixed(row.nodeCpuPerRequest)} | ${fixed(row.postgresCpuPerRequest)} | ` +
        `${fixed(total)} | ${total !== null && floorTotal ? (total / floorTotal).toFixed(2) : 'n/a'} | ${row.errors} |`,
    );
  }
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
  const embedded = stopEmbedded !== null;
  // PostgreSQL's CPU is measured on a server of its own; PGlite runs inside this process, with the load generator.
  const database = embedded ? null : new URL(databaseUrl).pathname.slice(1) || 'postgres';

  const orm = await initOrm(buildOrmConfig({ clientUrl: databaseUrl, poolSize: 2, entities: ['dist/src/**/*.entity.js'] }));
  await migrate(orm);
  await orm.close();
  const tenant = await seed(databaseUrl, { largeOrders: options.orders, linesPerOrder: options.lines, smallTenants: 19, smallOrders: 2_000 }, log);

  const [apiPort, floorPort, postgraphilePort] = [await freePort(), await freePort(), await freePort()];
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
    // PGlite serves every connection from one session, where a statement one connection prepared is already there for
    // the next: the floor keeps to one connection there (PGlite runs one statement at a time anyway).
    const floorProcess = await start(
      'dist/bench/floor.js',
      { DATABASE_URL: databaseUrl, PORT: String(floorPort), ...(embedded ? { POOL_SIZE: '1' } : {}) },
      `http://127.0.0.1:${floorPort}/health`,
    );
    children.push(floorProcess);

    const since = new Date(Date.now() - options.sinceDays * 86_400_000).toISOString();
    const auth = { authorization: `Bearer ${tenant.apiKey}` };
    const graphql = (document: string, after: string | null) => ({
      method: 'POST' as const,
      path: '/graphql',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ query: document, variables: { since, after } }),
    });
    const targets: Target[] = [
      {
        name: 'GraphQL API',
        process: apiProcess,
        url: `http://127.0.0.1:${apiPort}`,
        request: (shape, after) => graphql(API_DOCUMENTS[shape], after),
        read: (_shape, body) => readApiPage(body),
      },
      {
        name: 'floor (node:http + pg)',
        process: floorProcess,
        url: `http://127.0.0.1:${floorPort}`,
        request: (shape, after) => ({
          method: 'GET',
          path: `/orders?shape=${shape}&since=${encodeURIComponent(since)}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
          headers: auth,
        }),
        read: (_shape, body) => readApiPage(body),
      },
    ];
    const floorName = targets[1].name;
    if (!options.postgraphile) log('PostGraphile skipped (--no-postgraphile)');
    else {
      // PostGraphile prepares its statements per connection too (@dataplan/pg's LRU over pg's parsedStatements): on
      // PGlite's shared session a second connection would find them there already, so it runs unprepared there.
      const env = { DATABASE_URL: databaseUrl, PORT: String(postgraphilePort), GRAPHILE_ENV: 'production' };
      const postgraphileProcess = await start(
        'dist/bench/postgraphile.js',
        embedded ? { ...env, DATAPLAN_PG_PREPARED_STATEMENT_CACHE_SIZE: '0' } : env,
        `http://127.0.0.1:${postgraphilePort}/health`,
      );
      children.push(postgraphileProcess);
      targets.push({
        name: 'PostGraphile 5',
        process: postgraphileProcess,
        url: `http://127.0.0.1:${postgraphilePort}`,
        request: (shape, after) => graphql(POSTGRAPHILE_DOCUMENTS[shape], after),
        read: readPostGraphilePage,
      });
    }

    const cursors = new Map<PageShape, Map<Target, (string | null)[]>>();
    for (const shape of SHAPES) cursors.set(shape, await walkAndCompare(targets, shape));
    await checkUnknownKey(targets.slice(1));

    const rows: Measurement[] = [];
    for (const shape of SHAPES) {
      for (const connections of options.connections) {
        for (const target of [targets[1], targets[0], ...targets.slice(2)]) {
          const pages = cursors.get(shape)?.get(target) ?? [null];
          const m = await measure(target, shape, connections, options.duration, pages, database);
          rows.push(m);
          log(
            `${SHAPE_NAMES[shape].padEnd(17)} ${target.name.padEnd(22)} ${String(connections).padStart(3)} clients: ${m.requestsPerSecond.toFixed(0).padStart(6)} req/s, ` +
              `p50 ${m.p50} ms, p99 ${m.p99} ms, CPU ${fixed(m.nodeCpuPerRequest)} + ${fixed(m.postgresCpuPerRequest)} ms/request, errors ${m.errors}`,
          );
        }
      }
    }

    printTable(rows, options, floorName);
    console.log('\nMemory after the run (RSS of each server process; PostgreSQL: PSS of its processes serving this database, shared memory counted once):\n');
    for (const target of targets) console.log(`- ${target.name}: ${mib(rssBytes(target.process.pid))}`);
    console.log(`- PostgreSQL: ${embedded ? 'n/a (PGlite runs inside this process)' : mib(postgresPssBytes(database))}`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await stopEmbedded?.();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
