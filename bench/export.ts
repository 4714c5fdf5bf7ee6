import 'reflect-metadata';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadAppConfig } from '../src/config/app-config.js';
import { createRootLogger } from '../src/common/logging/logger.js';
import { PrivacyJobRunner } from '../src/privacy/jobs/privacy-job.runner.js';
import { PrivacyExportService } from '../src/privacy/exports/privacy-export.service.js';
import { maintenanceFork } from '../src/database/tenant-session.js';
import { startServer } from '../src/server.js';

/**
 * `npm run bench:export`: the access export of one contact with N communications and N orders, for each N of
 * --rows (default 10000,100000), run in this process on the configured database (DATABASE_URL, else in-memory PGlite).
 * Prints the build's time, the download's time and size, and this process's peak memory over each: V8 heap used,
 * external memory (array buffers apart), RSS, and the heap used + external right after a forced full collection every
 * --gc-every ms (default 250; 0 turns it off), which is what the export holds, as opposed to garbage V8 has not yet
 * collected. Last, the ratio of the largest N's peaks to the smallest's: with streaming it should stay near 1.
 */
const argv = process.argv.slice(2);
const rowsArg = argv[argv.indexOf('--rows') + 1];
const sizes = (argv.includes('--rows') && rowsArg ? rowsArg : '10000,100000').split(',').map(Number);
const gcArg = argv[argv.indexOf('--gc-every') + 1];
const gcEveryMs = argv.includes('--gc-every') && gcArg ? Number(gcArg) : 250;
const MB = 1024 * 1024;
const log = (line: string) => {
  console.log(`[bench:export] ${line}`);
};

async function seedContact(databaseUrl: string, rows: number): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    const {
      rows: [tenant],
    } = await client.query<{ id: string }>(
      `insert into tenant (id, created_at, updated_at, name, status) values (gen_random_uuid(), now(), now(), $1, 'ACTIVE') returning id`,
      [`Export benchmark (${rows})`],
    );
    const {
      rows: [customer],
    } = await client.query<{ id: string }>(
      `insert into client (id, created_at, updated_at, tenant_id, name, industry, tags) values (gen_random_uuid(), now(), now(), $1, 'Bench client', 'Tech', '{}') returning id`,
      [tenant.id],
    );
    const {
      rows: [contact],
    } = await client.query<{ id: string }>(
      `insert into contact (id, created_at, updated_at, tenant_id, client_id, first_name, last_name, email)
       values (gen_random_uuid(), now(), now(), $1, $2, 'Pat', 'Buyer', 'pat@bench.example') returning id`,
      [tenant.id, customer.id],
    );
    await client.query(
      `insert into communication (id, created_at, updated_at, tenant_id, client_id, contact_id, channel, direction, subject, body, occurred_at)
       select gen_random_uuid(), now(), now(), $1, $2, $3, 'EMAIL', 'OUTBOUND', 'Proof ' || g, repeat('Artwork proof attached, please confirm. ', 5), now()
       from generate_series(1, $4::int) g`,
      [tenant.id, customer.id, contact.id, rows],
    );
    await client.query(
      `insert into "order" (id, created_at, updated_at, tenant_id, number, number_seq, client_id, contact_id, currency, status, notes, external_references, subtotal, total_cost)
       select gen_random_uuid(), now(), now(), $1, 'SO-' || lpad(g::text, 6, '0'), g, $2, $3, 'USD', 'QUOTE', 'Deliver to reception, ' || g, '[]', 0, 0
       from generate_series(1, $4::int) g`,
      [tenant.id, customer.id, contact.id, rows],
    );
    const {
      rows: [request],
    } = await client.query<{ id: string }>(
      `insert into data_subject_request (id, created_at, updated_at, tenant_id, type, status, subject_kind, subject_contact_id, subject_key,
                                         received_at, deadline_rule, due_at, original_due_at, job_steps_done, next_attempt_at)
       values (gen_random_uuid(), now(), now(), $1, 'ACCESS', 'VERIFIED', 'CONTACT', $2, $3, now(), 'GDPR_ONE_MONTH',
               now() + interval '1 month', now() + interval '1 month', '{}', now()) returning id`,
      [tenant.id, contact.id, `contact:${contact.id}`],
    );
    await client.query('commit');
    await client.query('analyze');
    return request.id;
  } finally {
    await client.end();
  }
}

interface Peaks {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** heapUsed + external right after a forced full collection: what is live, not garbage waiting for V8. */
  live: number;
  /** heapUsed + external after a full collection just before the work: the app's own, to tell the work's part. */
  baseline: number;
}

/**
 * Peak memory while `work` runs: RSS, V8 heap used, and external memory (Buffers and other memory outside the V8 heap,
 * of which arrayBuffers is the Buffer part) sampled every 10 ms; and, every `gcEveryMs`, heap used + external right
 * after a forced full collection, the memory the work actually holds.
 */
async function peakMemory<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; peaks: Peaks }> {
  global.gc?.();
  const start = process.memoryUsage();
  const peaks: Peaks = {
    rss: start.rss,
    heapUsed: start.heapUsed,
    external: start.external,
    arrayBuffers: start.arrayBuffers,
    live: start.heapUsed + start.external,
    baseline: start.heapUsed + start.external,
  };
  const sample = () => {
    const now = process.memoryUsage();
    peaks.rss = Math.max(peaks.rss, now.rss);
    peaks.heapUsed = Math.max(peaks.heapUsed, now.heapUsed);
    peaks.external = Math.max(peaks.external, now.external);
    peaks.arrayBuffers = Math.max(peaks.arrayBuffers, now.arrayBuffers);
  };
  const sampler = setInterval(sample, 10);
  const collector =
    gcEveryMs > 0 && global.gc
      ? setInterval(() => {
          sample();
          global.gc?.();
          const now = process.memoryUsage();
          peaks.live = Math.max(peaks.live, now.heapUsed + now.external);
        }, gcEveryMs)
      : undefined;
  const started = performance.now();
  try {
    const result = await work();
    return { result, ms: performance.now() - started, peaks };
  } finally {
    clearInterval(sampler);
    clearInterval(collector);
  }
}

async function main(): Promise<void> {
  const config = loadAppConfig({
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    PRIVACY_JOB_INTERVAL_SECONDS: '0',
    MAINTENANCE_INTERVAL_MINUTES: '0',
    JWT_SECRET: process.env.JWT_SECRET ?? 'bench-secret-that-is-long-enough-for-hs256-00',
  });
  const server = await startServer({ config, logger: createRootLogger('silent'), embeddedInMemory: !config.DATABASE_URL });
  try {
    const runner = server.app.get(PrivacyJobRunner);
    const exports = server.app.get(PrivacyExportService);
    log(`database: ${server.embedded ? 'PGlite (in memory)' : 'PostgreSQL'}; baseline RSS ${(process.memoryUsage().rss / MB).toFixed(0)} MB`);
    const results: { rows: number; peaks: Peaks }[] = [];
    for (const rows of sizes) {
      const started = Date.now();
      const requestId = await seedContact(server.databaseUrl, rows);
      log(`seeded a contact with ${rows} communications and ${rows} orders in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const build = await peakMemory(() => runner.runDue(1));
      const em = maintenanceFork(server.app.get(MikroORM));
      const file = (await em.execute<{ id: string; byte_size: string }[]>(`select id, byte_size from privacy_export where request_id = ?`, [requestId])).at(0);
      if (!file) throw new Error('the export was not built');
      const link = await exports.linkFor(em, requestId);
      if (!link) throw new Error('the export has no link');
      const fetched = await peakMemory(async () => {
        const response = await fetch(`${server.url}${link.path}`);
        let bytes = 0;
        for await (const part of response.body ?? []) bytes += (part as Uint8Array).length;
        return bytes;
      });
      const mb = (bytes: number) => (bytes / MB).toFixed(0);
      const { peaks } = build;
      log(
        `${String(rows).padStart(6)} rows per table: build ${(build.ms / 1000).toFixed(1)} s; file ${(Number(file.byte_size) / MB).toFixed(1)} MB; ` +
          `build peaks: heap used ${mb(peaks.heapUsed)} MB, external ${mb(peaks.external)} MB (array buffers ${mb(peaks.arrayBuffers)} MB), ` +
          `RSS ${mb(peaks.rss)} MB, live heap+external after full GC ${mb(peaks.live)} MB (before the build ${mb(peaks.baseline)} MB); ` +
          `download ${(fetched.ms / 1000).toFixed(1)} s (${(fetched.result / MB).toFixed(1)} MB), peak RSS ${mb(fetched.peaks.rss)} MB, live ${mb(fetched.peaks.live)} MB`,
      );
      results.push({ rows, peaks });
    }
    const [small, large] = [results.at(0), results.at(-1)];
    if (small && large && small !== large) {
      const ratio = (pick: (p: Peaks) => number) => (pick(large.peaks) / pick(small.peaks)).toFixed(2);
      log(
        `memory ratio ${large.rows}/${small.rows} rows (build): heap used + external ${ratio((p) => p.heapUsed + p.external)}x, ` +
          `live heap+external after full GC ${ratio((p) => p.live)}x, RSS ${ratio((p) => p.rss)}x`,
      );
    }
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
