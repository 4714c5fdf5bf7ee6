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
 * Prints the build's time, the download's time and size, and this process's peak RSS and heap over each, sampled
 * every 10 ms: with streaming they should not grow with N.
 */
const argv = process.argv.slice(2);
const rowsArg = argv[argv.indexOf('--rows') + 1];
const sizes = (argv.includes('--rows') && rowsArg ? rowsArg : '10000,100000').split(',').map(Number);
const MB = 1024 * 1024;
const log = (line: string) => console.log(`[bench:export] ${line}`);

async function seedContact(databaseUrl: string, rows: number): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    const { rows: [tenant] } = await client.query<{ id: string }>(
      `insert into tenant (id, created_at, updated_at, name, status) values (gen_random_uuid(), now(), now(), $1, 'ACTIVE') returning id`,
      [`Export benchmark (${rows})`],
    );
    const { rows: [customer] } = await client.query<{ id: string }>(
      `insert into client (id, created_at, updated_at, tenant_id, name, industry, tags) values (gen_random_uuid(), now(), now(), $1, 'Bench client', 'Tech', '{}') returning id`,
      [tenant.id],
    );
    const { rows: [contact] } = await client.query<{ id: string }>(
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
    const { rows: [request] } = await client.query<{ id: string }>(
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

/** Peak RSS and heap while `work` runs. */
async function peakMemory<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; rss: number; heap: number }> {
  global.gc?.();
  let rss = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    heap = Math.max(heap, now.heapUsed);
  }, 10);
  const started = performance.now();
  try {
    const result = await work();
    return { result, ms: performance.now() - started, rss, heap };
  } finally {
    clearInterval(timer);
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
    for (const rows of sizes) {
      const started = Date.now();
      const requestId = await seedContact(server.databaseUrl, rows);
      log(`seeded a contact with ${rows} communications and ${rows} orders in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const build = await peakMemory(() => runner.runDue(1));
      const em = maintenanceFork(server.app.get(MikroORM));
      const [file] = await em.execute<{ id: string; byte_size: string }[]>(`select id, byte_size from privacy_export where request_id = ?`, [requestId]);
      if (!file) throw new Error('the export was not built');
      const link = await exports.linkFor(em, requestId);
      if (!link) throw new Error('the export has no link');
      const fetched = await peakMemory(async () => {
        const response = await fetch(`${server.url}${link.path}`);
        let bytes = 0;
        for await (const part of response.body ?? []) bytes += (part as Uint8Array).length;
        return bytes;
      });
      log(
        `${String(rows).padStart(6)} rows per table: build ${(build.ms / 1000).toFixed(1)} s, peak RSS ${(build.rss / MB).toFixed(0)} MB, ` +
          `peak heap ${(build.heap / MB).toFixed(0)} MB; file ${(Number(file.byte_size) / MB).toFixed(1)} MB; ` +
          `download ${(fetched.ms / 1000).toFixed(1)} s (${(fetched.result / MB).toFixed(1)} MB), peak RSS ${(fetched.rss / MB).toFixed(0)} MB, peak heap ${(fetched.heap / MB).toFixed(0)} MB`,
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
