import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { signUpOwner, STRONG_PASSWORD, type SignedUpOwner } from './support/fixtures';
import { redisServerMissing, startOwnRedis, type OwnRedis } from './support/redis-server';
import { startTestServer, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

const PER_ACTOR = 6;
const missing = redisServerMissing();
if (missing) console.warn(`redis-outage.e2e-spec: skipped, ${missing}`);
const describeWithRedis = missing ? describe.skip : describe;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis('rate limiting while Redis is down', () => {
  const prefix = `test:outage:${randomUUID()}:`;
  let redis: OwnRedis;
  let server: TestServer;
  let owner: SignedUpOwner;

  /** The rate-limit count of the owner's requests in this minute, as Redis holds it (null: no such key). */
  async function countInRedis(): Promise<number | null> {
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      const value = await client.get(`${prefix}req:user:${owner.userId}`);
      return value === null ? null : Number(value);
    } finally {
      client.disconnect();
    }
  }

  const me = () => server.gql<{ me: { user: { id: string } } }>({ query: '{ me { user { id } } }', token: owner.accessToken });
  const readiness = async () => {
    const response = await fetch(`${server.url}/health/ready`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    redis = await startOwnRedis();
    server = await startTestServer({ REDIS_URL: redis.url, RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_PER_ACTOR_PER_MINUTE: String(PER_ACTOR) });
    owner = await signUpOwner(server);
  });

  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(redis)?.stop();
  });

  it('counts in Redis while it answers', async () => {
    expect((await me()).status).toBe(200);
    expect(await countInRedis()).toBe(1);
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ok', database: 'up', redis: 'up', rateLimitFallbacks: 0 } });
  });

  it('serves every request while Redis is down, limiting from this instance’s memory, and readiness says so', async () => {
    await redis.stop();

    const read = await me();
    expect(read.status).toBe(200);
    expect(read.body.data?.me.user.id).toBe(owner.userId);
    const write = await server.gql<{ createClient: { id: string } }>({
      query: 'mutation($input: CreateClientInput!) { createClient(input: $input) { id } }',
      variables: { input: { name: 'While Redis is down' } },
      token: owner.accessToken,
    });
    expect(write.status).toBe(200);
    expect(write.body.data?.createClient.id).toBeDefined();
    // Log-in throttling reads and writes the same store.
    const badLogIn = await server.gql({
      query: 'mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }',
      variables: { input: { email: owner.email, password: `${STRONG_PASSWORD} wrong` } },
    });
    expect(badLogIn.body.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');

    // The limit still holds, counted here: two requests so far in memory, then up to PER_ACTOR, then refused.
    for (let count = 3; count <= PER_ACTOR; count += 1) expect((await me()).status).toBe(200);
    const refused = await me();
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');

    const ready = await readiness();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', database: 'up', redis: 'degraded' });
    expect(ready.body.rateLimitFallbacks).toBeGreaterThanOrEqual(PER_ACTOR + 1);
  });

  it('goes back to Redis when it returns', async () => {
    await redis.start();
    const deadline = Date.now() + 10_000;
    let ready = await readiness();
    while (ready.body.redis !== 'up' && Date.now() < deadline) {
      await sleep(200);
      ready = await readiness();
    }
    expect(ready.body).toMatchObject({ status: 'ok', redis: 'up' });
    // The new Redis is empty: the count starts again there, not in this instance's memory (where the limit was reached).
    expect((await me()).status).toBe(200);
    expect(await countInRedis()).toBe(1);
  });
});
