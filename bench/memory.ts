import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { buildOrmConfig } from '../src/database/mikro-orm.config.js';
import { initOrm, migrate } from '../src/database/migrate.js';
import { benchAppEnvironment, cpuMillis, rssBytes, startCommand, waitUntilReady } from './app-process.js';
import { seed, type SeededTenant } from './seed.js';

/**
 * `npm run bench:memory`: boots the API as `npm start` runs it (built dist, same Node flags), on the PostgreSQL of
 * DATABASE_URL, measures its RSS idle, drives a mixed load (the partner page by API key, staff queries, and thousands
 * of distinct documents, each sent twice so that it is compiled), then measures RSS right after the load, 10 s later
 * (the app has gone idle and collected) and after an idle period. Fails (exit 1) when RSS 10 s after the load or after
 * the idle period is not under the limit, or when any request failed.
 *
 * Options: --requests N (default 25000), --connections N (64), --idle S (30), --limit-mb N (300), --distinct-share P
 * (percent of requests that send a document of their own, default 10), --orders N and --lines N (seed, as
 * `npm run bench`), --heap-snapshots DIR (heap snapshots into DIR: idle before, half-way through and idle after the
 * load; RSS is then not representative), --start "[VAR=value …] node [--flag …] dist/src/main.js" (instead of the
 * command of `npm start`, to compare settings).
 */
interface Options {
  requests: number;
  connections: number;
  idleSeconds: number;
  limitMb: number;
  distinctShare: number;
  orders: number;
  lines: number;
  heapSnapshots: string | null;
  /** A start command instead of `npm start`'s, to compare settings. */
  start: string | null;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: string) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 && argv[index + 1] ? argv[index + 1] : fallback;
  };
  return {
    requests: Number(value('requests', '25000')),
    connections: Number(value('connections', '64')),
    idleSeconds: Number(value('idle', '30')),
    limitMb: Number(value('limit-mb', '300')),
    distinctShare: Number(value('distinct-share', '10')),
    orders: Number(value('orders', '100000')),
    lines: Number(value('lines', '5')),
    heapSnapshots: argv.includes('--heap-snapshots') ? value('heap-snapshots', 'heap-snapshots') : null,
    start: argv.includes('--start') ? value('start', '') : null,
  };
}

/** When RSS after the load is compared with the limit: long enough for the app to notice it is idle. */
const SETTLE_SECONDS = 10;

const log = (line: string) => {
  console.log(`[bench:memory] ${line}`);
};
const mb = (bytes: number | null) => (bytes === null ? 'n/a' : (bytes / 1024 / 1024).toFixed(0));

const ORDER_FIELDS = `id number status currency inHandsDate updatedAt subtotal
      externalReferences { system kind value }
      client { id name } contact { id firstName lastName email phone }
      lines { id position productName sku supplier quantity unitPrice lineTotal decoration colour }`;

const PARTNER_QUERY = `query PartnerOrders($since: DateTime!, $after: String) {
  orders(first: 50, after: $after, filter: { updatedAfter: $since }, sort: { field: CHANGED, direction: ASC }) {
    edges { cursor node { ${ORDER_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * A client that writes its values into the document instead of passing variables: every request is a document of its
 * own, as large as the partner page's. The kind of traffic that fills a document cache keyed by the document's text.
 */
const inlinedPartnerQuery = (since: string, first: number) => `query InlinedPartnerOrders {
  orders(first: ${first}, filter: { updatedAfter: "${since}" }, sort: { field: CHANGED, direction: ASC }) {
    edges { cursor node { ${ORDER_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const STAFF_QUERIES = [
  `query Me { me { user { id email fullName } role permissions activeTenant { id name } memberships { tenantId tenantName role } } }`,
  `query Clients { clients(first: 20) { totalCount edges { cursor node { id name industry tags createdAt
      contacts { id firstName lastName email phone title } } } pageInfo { hasNextPage endCursor } } }`,
  `query RecentOrders { orders(first: 20) { edges { node { id number status currency subtotal updatedAt client { id name } } }
      pageInfo { hasNextPage endCursor } } }`,
];

const STAFF_EMAIL = 'bench.staff@promox.example';
const STAFF_PASSWORD = 'Quiet-harbour-lantern-9f3k';

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function graphql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<GraphQLAnswer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLAnswer;
}

/**
 * A staff member of the seeded tenant: signed up once (a tenant of their own), then made a MANAGER of the seeded
 * tenant and signed in there, so that staff queries read the same data as the partner.
 */
async function staffToken(url: string, databaseUrl: string, tenant: SeededTenant): Promise<string> {
  const logIn = `mutation LogIn($input: LogInInput!) { logIn(input: $input) { accessToken user { id } } }`;
  let answer = await graphql(url, logIn, { input: { email: STAFF_EMAIL, password: STAFF_PASSWORD } });
  if (!answer.data?.logIn) {
    const refused = answer.errors;
    answer = await graphql(
      url,
      `
        mutation SignUp($input: SignUpInput!) {
          signUp(input: $input) {
            accessToken
            user {
              id
            }
          }
        }
      `,
      { input: { companyName: 'Bench staff', fullName: 'Bench Staff', email: STAFF_EMAIL, password: STAFF_PASSWORD, confirmAge16OrOlder: true } },
    );
    if (!answer.data?.signUp)
      throw new Error(`the staff user could neither log in (${JSON.stringify(refused)}) nor sign up (${JSON.stringify(answer.errors)})`);
  }
  const userId = ((answer.data.logIn ?? answer.data.signUp) as { user: { id: string } }).user.id;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `insert into membership (id, created_at, updated_at, tenant_id, user_id, role)
       select gen_random_uuid(), now(), now(), $1, $2, 'MANAGER'
       where not exists (select 1 from membership where tenant_id = $1 and user_id = $2)`,
      [tenant.tenantId, userId],
    );
  } finally {
    await client.end();
  }
  const inTenant = await graphql(url, logIn, { input: { email: STAFF_EMAIL, password: STAFF_PASSWORD, tenantId: tenant.tenantId } });
  const payload = inTenant.data?.logIn as { accessToken: string } | undefined;
  if (!payload) throw new Error(`signing the staff user in failed: ${JSON.stringify(inTenant.errors)}`);
  return payload.accessToken;
}

/** The first pages' cursors of the partner feed, so that the load spreads over several pages. */
async function partnerCursors(url: string, apiKey: string, since: string): Promise<(string | null)[]> {
  const cursors: (string | null)[] = [null];
  for (let i = 0; i < 20; i++) {
    const answer = await graphql(url, PARTNER_QUERY, { since, after: cursors[i] }, apiKey);
    const info = (answer.data?.orders as { pageInfo: { hasNextPage: boolean; endCursor: string | null } } | undefined)?.pageInfo;
    if (!info) throw new Error(`the partner page failed: ${JSON.stringify(answer.errors)}`);
    if (!info.hasNextPage || !info.endCursor) break;
    cursors.push(info.endCursor);
  }
  return cursors;
}

/** Writes a heap snapshot of the app (it listens for SIGUSR2) and waits until it is written. */
async function heapSnapshot(app: ChildProcess, url: string, dir: string, label: string): Promise<void> {
  const before = new Set(readdirSync(dir));
  app.kill('SIGUSR2');
  // Writing the snapshot blocks the app's event loop: its next answer comes once the file is complete.
  await sleep(500);
  await fetch(`${url}/health/live`);
  const written = readdirSync(dir).filter((name) => !before.has(name));
  for (const name of written) log(`heap snapshot ${label}: ${resolve(dir, name)} (${mb(statSync(resolve(dir, name)).size)} MB)`);
}

interface Load {
  requests: number;
  errors: number;
  graphqlErrors: number;
  distinctDocuments: number;
  requestsPerSecond: number;
  /** CPU ms the app spent per request (steadier than req/s on shared cores). */
  cpuPerRequest: number | null;
  peakRss: number | null;
}

async function drive(
  app: ChildProcess,
  url: string,
  options: Options,
  credentials: { apiKey: string; staff: string },
  cursors: (string | null)[],
  since: string,
): Promise<Load> {
  const sinceMs = Date.parse(since);
  let sent = 0;
  let distinct = 0;
  let graphqlErrors = 0;
  const failures = new Map<string, number>();
  const partnerHeaders = { 'content-type': 'application/json', authorization: `Bearer ${credentials.apiKey}` };
  const staffHeaders = { 'content-type': 'application/json', authorization: `Bearer ${credentials.staff}` };
  const distinctEvery = Math.max(0, Math.min(100, options.distinctShare)) / 5;
  const body = (): { headers: Record<string, string>; body: string } => {
    const n = sent++;
    const slot = n % 20;
    if (slot < distinctEvery) {
      // Each distinct document is sent twice, so that it is compiled (documents are compiled at their second sighting).
      const document = Math.floor(distinct++ / 2);
      const query = inlinedPartnerQuery(new Date(sinceMs + document * 1000).toISOString(), 1 + (document % 50));
      return { headers: partnerHeaders, body: JSON.stringify({ query }) };
    }
    if (slot >= 14) return { headers: staffHeaders, body: JSON.stringify({ query: STAFF_QUERIES[Math.floor((slot - 14) / 2)] }) };
    return { headers: partnerHeaders, body: JSON.stringify({ query: PARTNER_QUERY, variables: { since, after: cursors[n % cursors.length] } }) };
  };
  // A snapshot half-way shows what the requests in flight hold (it pauses the app for a few seconds).
  // Assigned inside autocannon's callback, so held in an object TypeScript does not narrow to its initial null.
  const pending: { midway: Promise<void> | null } = { midway: null };
  const snapshotMidway = () => {
    if (options.heapSnapshots && !pending.midway && sent >= options.requests / 2)
      pending.midway = heapSnapshot(app, url, options.heapSnapshots, 'half-way through the load');
  };
  let peakRss = rssBytes(app.pid);
  const cpuBefore = cpuMillis(app.pid);
  const sampler = setInterval(() => {
    const rss = rssBytes(app.pid);
    if (rss !== null && (peakRss === null || rss > peakRss)) peakRss = rss;
  }, 250);
  try {
    const result = await autocannon({
      url,
      connections: options.connections,
      amount: options.requests,
      timeout: 60,
      requests: [
        {
          method: 'POST',
          path: '/graphql',
          setupRequest: (request) => ({ ...request, ...body() }),
          onResponse: (status, responseBody) => {
            if (responseBody.includes('"errors"')) graphqlErrors += 1;
            if (status >= 300 || responseBody.includes('"errors"')) {
              const code = /"code":"([A-Z_]+)"/.exec(responseBody)?.[1] ?? responseBody.slice(0, 80);
              failures.set(`${status} ${code}`, (failures.get(`${status} ${code}`) ?? 0) + 1);
            }
            snapshotMidway();
          },
        },
      ],
    });
    await pending.midway;
    for (const [failure, times] of failures) log(`answered ${times}× ${failure}`);
    const cpuAfter = cpuMillis(app.pid);
    return {
      requests: result.requests.total,
      errors: result.errors + result.non2xx + result.timeouts,
      graphqlErrors,
      distinctDocuments: Math.ceil(distinct / 2),
      requestsPerSecond: result.requests.average,
      cpuPerRequest: cpuBefore !== null && cpuAfter !== null && result.requests.total > 0 ? (cpuAfter - cpuBefore) / result.requests.total : null,
      peakRss,
    };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('bench:memory measures the app on PostgreSQL: set DATABASE_URL');

  const orm = await initOrm(buildOrmConfig({ clientUrl: databaseUrl, poolSize: 2, entities: ['dist/src/**/*.entity.js'] }));
  await migrate(orm);
  await orm.close();
  const tenant = await seed(databaseUrl, { largeOrders: options.orders, linesPerOrder: options.lines, smallTenants: 19, smallOrders: 2_000 }, log);

  const command = startCommand(options.start ?? undefined);
  const nodeFlags = [...command.nodeFlags];
  if (options.heapSnapshots) {
    mkdirSync(options.heapSnapshots, { recursive: true });
    nodeFlags.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${resolve(options.heapSnapshots)}`);
  }
  if (!existsSync(command.script)) throw new Error(`${command.script} is missing: run npm run build`);
  const port = 4700 + Math.floor(Math.random() * 500);
  const url = `http://127.0.0.1:${port}`;
  log(
    `starting ${Object.entries(command.env)
      .map(([name, value]) => `${name}=${value} `)
      .join('')}node ${[...nodeFlags, command.script].join(' ')}`,
  );
  const app = spawn(process.execPath, [...nodeFlags, command.script], {
    env: { ...process.env, ...command.env, ...benchAppEnvironment(databaseUrl, port), ACCESS_TOKEN_TTL_SECONDS: '3600' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitUntilReady(app, 'the API', `${url}/health/ready`);
    await sleep(5_000);
    const idle = rssBytes(app.pid);
    log(`idle after boot: RSS ${mb(idle)} MB`);
    if (options.heapSnapshots) await heapSnapshot(app, url, options.heapSnapshots, 'idle before the load');

    const since = new Date(Date.now() - 60 * 86_400_000).toISOString();
    const staff = await staffToken(url, databaseUrl, tenant);
    const cursors = await partnerCursors(url, tenant.apiKey, since);
    log(`driving ${options.requests} requests at ${options.connections} concurrent (${options.distinctShare}% distinct documents, each sent twice)`);
    const load = await drive(app, url, options, { apiKey: tenant.apiKey, staff }, cursors, since);
    const afterLoad = rssBytes(app.pid);
    log(
      `${load.requests} requests, ${load.requestsPerSecond.toFixed(0)} req/s, CPU ${load.cpuPerRequest?.toFixed(2) ?? 'n/a'} ms/request, ` +
        `${load.distinctDocuments} distinct documents, ` +
        `${load.errors} failed, ${load.graphqlErrors} with GraphQL errors; peak RSS ${mb(load.peakRss)} MB, right after ${mb(afterLoad)} MB`,
    );
    // Once the load ends the app goes idle, and after IDLE_GC_SECONDS collects what the load left (IdleCollection).
    await sleep(SETTLE_SECONDS * 1000);
    const settled = rssBytes(app.pid);
    log(`${SETTLE_SECONDS} s after the load: RSS ${mb(settled)} MB`);
    await sleep(Math.max(0, options.idleSeconds - SETTLE_SECONDS) * 1000);
    const afterIdle = rssBytes(app.pid);
    log(`after ${options.idleSeconds} s idle: RSS ${mb(afterIdle)} MB`);
    if (options.heapSnapshots) await heapSnapshot(app, url, options.heapSnapshots, `after the load and ${options.idleSeconds} s idle`);

    const env = Object.entries(command.env)
      .map(([name, value]) => `${name}=${value} `)
      .join('');
    console.log(
      `\nMemory: ${load.requests} requests at ${options.connections} concurrent, ${load.distinctDocuments} distinct documents; ${env}node ${nodeFlags.join(' ')}\n`,
    );
    console.log(`| RSS idle (MB) | peak during load | right after load | ${SETTLE_SECONDS} s after | after idle | limit after load | req/s | CPU ms/request |`);
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(
      `| ${mb(idle)} | ${mb(load.peakRss)} | ${mb(afterLoad)} | ${mb(settled)} | ${mb(afterIdle)} (${options.idleSeconds} s) | ${options.limitMb} | ` +
        `${load.requestsPerSecond.toFixed(0)} | ${load.cpuPerRequest?.toFixed(2) ?? 'n/a'} |`,
    );

    const failures: string[] = [];
    const limit = options.limitMb * 1024 * 1024;
    if (settled === null || afterIdle === null) failures.push('RSS could not be read from /proc');
    else if (settled >= limit || afterIdle >= limit) {
      failures.push(`RSS after the load is ${mb(Math.max(settled, afterIdle))} MB, not under ${options.limitMb} MB`);
    }
    if (load.errors > 0 || load.graphqlErrors > 0) failures.push(`${load.errors + load.graphqlErrors} requests failed`);
    if (failures.length > 0) {
      for (const failure of failures) console.error(`[bench:memory] FAILED: ${failure}`);
      process.exitCode = 1;
    }
  } finally {
    app.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
