import { randomUUID } from 'node:crypto';
import { signUpOwner, type SignedUpOwner } from './support/fixtures';
import { findPostgresBinaries, startPostgresCluster, type PostgresCluster } from './support/postgres-cluster';
import { startRequestLoad } from './support/request-load';
import { startTestServer, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

/** No request may go unanswered longer than this, outage or not (the pool's acquire timeout is 2 s here). */
const HUNG_AFTER_MS = 10_000;
/** Readiness must answer within this, up or down. */
const READINESS_BOUND_MS = 4_000;
/** After PostgreSQL is back, a fresh request must succeed within this. */
const RECOVERY_BOUND_MS = 5_000;
const RESTARTS = 2;

const binaries = findPostgresBinaries();
if (binaries.dir === null) console.warn(`database-restart.e2e-spec: skipped, ${binaries.reason}`);
const describeWithPostgres = binaries.dir ? describe : describe.skip;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readiness(server: TestServer): Promise<{ status: number | 'hung'; ms: number; body?: unknown }> {
  const started = Date.now();
  try {
    const response = await fetch(`${server.url}/health/ready`, { signal: AbortSignal.timeout(READINESS_BOUND_MS) });
    return { status: response.status, ms: Date.now() - started, body: await response.json() };
  } catch {
    return { status: 'hung', ms: Date.now() - started };
  }
}

/** A new request, not one that was in flight during the outage: a write that must succeed. */
async function freshWrite(server: TestServer, owner: SignedUpOwner, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.accessToken}` },
      body: JSON.stringify({
        query: `mutation($input: CreateClientInput!) { createClient(input: $input) { id } }`,
        variables: { input: { name: `Fresh ${randomUUID()}` } },
      }),
      signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    });
    const body = (await response.json()) as { data?: { createClient?: { id: string } } | null };
    return response.status === 200 && Boolean(body.data?.createClient?.id);
  } catch {
    return false;
  }
}

describeWithPostgres('a PostgreSQL restart under concurrent load', () => {
  let cluster: PostgresCluster;
  let server: TestServer;
  let owner: SignedUpOwner;

  beforeAll(async () => {
    cluster = await startPostgresCluster(binaries.dir as string);
    await cluster.query('postgres', 'create database promox');
    server = await startTestServer({
      DATABASE_URL: cluster.url('promox'),
      DATABASE_POOL_SIZE: '4',
      DATABASE_ACQUIRE_TIMEOUT_MS: '2000',
      // The load is one user from one address, far above what the limits allow a person.
      RATE_LIMIT_PER_ACTOR_PER_MINUTE: '1000000',
      RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
    });
    owner = await signUpOwner(server);
  }, 60_000);

  afterAll(async () => {
    // A pool that lost track of its connections never finishes closing: bound it, so that such a failure reads as one.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ifCreated(server)?.close(), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    await ifCreated(cluster)?.destroy();
  }, 30_000);

  it('answers 503 while PostgreSQL is down, recovers by itself when it is back, and keeps every acknowledged write', async () => {
    const load = startRequestLoad({ url: server.url, token: owner.accessToken, concurrency: 48, hungAfterMs: HUNG_AFTER_MS });
    const observations: string[] = [];
    try {
      await sleep(1_000);
      for (let restart = 1; restart <= RESTARTS; restart += 1) {
        // A fast shutdown terminates the connections of transactions that are open under the load.
        await cluster.stop();
        const down = await readiness(server);
        observations.push(`restart ${restart}: readiness while down ${down.status} in ${down.ms} ms`);
        expect(down.status).toBe(503);
        expect(down.body).toMatchObject({ status: 'unavailable', database: 'down' });

        await cluster.start();
        const back = Date.now();
        let recovered = false;
        while (!recovered && Date.now() - back < RECOVERY_BOUND_MS) {
          // A fresh write may queue behind the load for the pool's connections: it has what is left of the bound.
          recovered = (await readiness(server)).status === 200 && (await freshWrite(server, owner, RECOVERY_BOUND_MS - (Date.now() - back)));
          if (!recovered) await sleep(100);
        }
        observations.push(`restart ${restart}: ${recovered ? `recovered in ${Date.now() - back} ms` : 'did not recover'}`);
        expect(recovered).toBe(true);
        await sleep(1_500);
      }
    } finally {
      const report = await load.stop();
      observations.push(`load: ${report.requests} requests, slowest ${report.slowestMs} ms, ${JSON.stringify(report.outcomes)}`);
      console.info(observations.join('\n'));
      // Nothing waited for a connection that never came.
      expect(report.outcomes.hung ?? 0).toBe(0);
      expect(report.slowestMs).toBeLessThan(HUNG_AFTER_MS);
      // A request the outage failed says so with the retryable code, never as a server error.
      for (const outcome of Object.keys(report.outcomes)) expect(['ok', '503 SERVICE_UNAVAILABLE']).toContain(outcome);
      expect(report.outcomes.ok).toBeGreaterThan(0);
      // Every write the API acknowledged is in the database.
      const ids = report.acknowledgedClientIds;
      const stored = await cluster.query<{ count: string }>('promox', 'select count(*) from client where id = any($1::uuid[])', [ids]);
      expect(Number(stored[0].count)).toBe(ids.length);
    }
  }, 120_000);

  it('answers readiness within its bound while PostgreSQL does not answer at all, and 200 once it does again', async () => {
    await cluster.freeze();
    try {
      // Two in a row: the second finds the first's check still waiting, and must not wait longer.
      for (const frozen of [await readiness(server), await readiness(server)]) {
        expect(frozen.status).toBe(503);
        expect(frozen.body).toMatchObject({ status: 'unavailable', database: 'down' });
      }
    } finally {
      await cluster.thaw();
    }
    const back = Date.now();
    let ready = await readiness(server);
    while (ready.status !== 200 && Date.now() - back < RECOVERY_BOUND_MS) ready = await readiness(server);
    expect(ready.status).toBe(200);
  });
});
