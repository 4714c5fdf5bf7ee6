import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { TokenService } from '../src/accounts/auth/token.service.js';
import { MemoryRateLimitStore, RateLimitStore, RedisRateLimitStore } from '../src/common/rate-limit/rate-limit.store.js';
import { createApiKey, signUpOwner, STRONG_PASSWORD, uniqueEmail, type SignedUpOwner } from './support/fixtures.js';
import { errorCode, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server.js';

/** What must never reach a client: stack traces, SQL, file paths, schema hints. */
const LEAK = /stacktrace|did you mean|node_modules|\.[jt]s:\d+|\binsert into\b|\bselect\b[^"]*\bfrom\b|\bsyntax error at\b|\bat [A-Za-z_$.]+ \(/i;

function expectNoLeak(response: GraphQLResponse): void {
  expect(JSON.stringify(response.body)).not.toMatch(LEAK);
  for (const error of response.body.errors ?? []) {
    expect(error.extensions ?? {}).not.toHaveProperty('stacktrace');
    expect(error.extensions ?? {}).not.toHaveProperty('exception');
  }
}

function expectRefused(response: GraphQLResponse, status: number, code: string): void {
  expect({ status: response.status, code: errorCode(response) }).toEqual({ status, code });
  expect(response.body.data ?? null).toBeNull();
  expectNoLeak(response);
}

const ME_DEPTH_3 = `{ me { activeTenant { name } } }`;
const ME_DEPTH_4 = `{ me { activeTenant { address { city } } } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }`;

function typenameAliases(count: number): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i + 1}: __typename`).join(' ')} }`;
}

async function expectNoAccount(server: TestServer, email: string): Promise<void> {
  const login = await server.gql({ query: LOG_IN, variables: { input: { email, password: STRONG_PASSWORD } } });
  expect(errorCode(login)).toBe('INVALID_CREDENTIALS');
}

function signUpInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    companyName: 'Hardening Promo',
    fullName: 'Hana Hardening',
    email: uniqueEmail('hardening'),
    password: STRONG_PASSWORD,
    confirmAge16OrOlder: true,
    ...overrides,
  };
}

describe('query depth limit', () => {
  let server: TestServer;
  let owner: SignedUpOwner;
  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_MAX_DEPTH: '3' });
    owner = await signUpOwner(server);
  });
  afterAll(() => server.close());

  it('answers a query at the depth limit', async () => {
    const response = await server.gql<{ me: { activeTenant: { name: string } } }>({ query: ME_DEPTH_3, token: owner.accessToken });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.me.activeTenant.name).toBe(owner.companyName);
  });

  it('refuses a query one level deeper with QUERY_TOO_COMPLEX and HTTP 400, before running it', async () => {
    const response = await server.gql({ query: ME_DEPTH_4, token: owner.accessToken });
    expectRefused(response, 400, 'QUERY_TOO_COMPLEX');
    expect(response.body.errors?.[0]?.message).toMatch(/depth limit of 3 exceeded/i);
    expect(response.body.errors?.[0]?.message).not.toMatch(/^Syntax Error/);
  });

  it('counts fragments at the depth they are spread', async () => {
    const query = `query { me { ...T } } fragment T on Me { activeTenant { address { city } } }`;
    expectRefused(await server.gql({ query, token: owner.accessToken }), 400, 'QUERY_TOO_COMPLEX');
  });
});

describe('query cost limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_MAX_COST: '20' });
  });
  afterAll(() => server.close());

  it('answers a cheap query', async () => {
    const response = await server.gql({ query: '{ __typename }' });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ __typename: 'Query' });
  });

  it('refuses an expensive query with QUERY_TOO_COMPLEX and HTTP 400 (anonymous: refused before authentication matters)', async () => {
    const query = `{ me { user { id email fullName phone createdAt } memberships { id role tenantId tenantName joinedAt }
      activeTenant { id name phone status createdAt address { line1 line2 city region postalCode country } } } }`;
    const response = await server.gql({ query });
    expectRefused(response, 400, 'QUERY_TOO_COMPLEX');
    expect(response.body.errors?.[0]?.message).toMatch(/cost limit of 20 exceeded/i);
  });
});

describe('alias limit, __typename aliases included', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_MAX_ALIASES: '5' });
  });
  afterAll(() => server.close());

  it('answers 5 aliases', async () => {
    const response = await server.gql({ query: typenameAliases(5) });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(Object.keys(response.body.data ?? {})).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('refuses 6 __typename aliases with QUERY_TOO_COMPLEX and HTTP 400', async () => {
    const response = await server.gql({ query: typenameAliases(6) });
    expectRefused(response, 400, 'QUERY_TOO_COMPLEX');
    expect(response.body.errors).toHaveLength(1);
  });

  it('refuses 6 aliases spread over fields and fragments', async () => {
    const query = `query { a: me { b: role c: permissions ...F } } fragment F on Me { d: role e: role f: user { id } }`;
    expectRefused(await server.gql({ query }), 400, 'QUERY_TOO_COMPLEX');
  });
});

describe('token limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_MAX_TOKENS: '20' });
  });
  afterAll(() => server.close());

  it('answers a short query', async () => {
    const response = await server.gql({ query: '{ a: __typename b: __typename }' });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ a: 'Query', b: 'Query' });
  });

  it('refuses a long query with QUERY_TOO_COMPLEX and HTTP 400, not 500', async () => {
    const response = await server.gql({ query: `{ ${Array.from({ length: 30 }, () => '__typename').join(' ')} }` });
    expectRefused(response, 400, 'QUERY_TOO_COMPLEX');
    expect(response.body.errors?.[0]?.message).toMatch(/token limit of 20 exceeded/i);
    expect(response.body.errors?.[0]?.message).not.toMatch(/^Syntax Error/);
  });

  it('still reports an ordinary syntax error as GRAPHQL_PARSE_FAILED', async () => {
    expectRefused(await server.gql({ query: '{ me { ' }), 400, 'GRAPHQL_PARSE_FAILED');
  });
});

describe('schema details and introspection outside production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('does not suggest field names for a misspelled field', async () => {
    const response = await server.gql({ query: '{ mee { id } }' });
    expectRefused(response, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(response.body.errors?.[0]?.message).toMatch(/mee/);
    expect(response.body.errors?.[0]?.message).not.toMatch(/did you mean|"me"/i);
  });

  it('does not suggest enum values for a misspelled variable value', async () => {
    const response = await server.gql({
      query: 'mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }',
      variables: { input: { email: uniqueEmail('invitee'), role: 'OWNR' } },
    });
    expectRefused(response, 400, 'BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).not.toMatch(/did you mean|"OWNER"/i);
  });

  it('allows introspection with NODE_ENV=test', async () => {
    const response = await server.gql<{ __schema: { queryType: { name: string } } }>({ query: '{ __schema { queryType { name } } }' });
    expect(response.status).toBe(200);
    expect(response.body.data?.__schema.queryType.name).toBe('Query');
  });
});

describe('production mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'production' });
  });
  afterAll(() => server.close());

  it('refuses introspection', async () => {
    const schema = await server.gql({ query: '{ __schema { types { name } } }' });
    expectRefused(schema, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(schema.body)).not.toMatch(/SignUpInput|Permission/);
    const type = await server.gql({ query: '{ __type(name: "Query") { fields { name } } }' });
    expectRefused(type, 400, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses NUL characters, which PostgreSQL cannot store, as bad input naming the field', async () => {
    const email = uniqueEmail('nul');
    const response = await server.gql({ query: SIGN_UP, variables: { input: signUpInput({ email, companyName: 'Null\u0000Promo' }) } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.extensions?.fields).toEqual([{ field: 'companyName', problems: [expect.stringContaining('NUL')] }]);
    expectNoLeak(response);
    await expectNoAccount(server, email);
  });

  it('answers an unexpected database error as INTERNAL_SERVER_ERROR with no stack trace or SQL, and changes nothing', async () => {
    const email = uniqueEmail('broken');
    // Sign-up has written the user, tenant and membership when token issuing runs; make it hit a real database error.
    const tokens = server.app.get(TokenService);
    const issue = tokens.issue.bind(tokens);
    tokens.issue = async () => {
      await server.app.get(EntityManager).execute('select secret_column from no_such_table');
      return issue(...([] as unknown as Parameters<typeof issue>));
    };
    try {
      const response = await server.gql({ query: SIGN_UP, variables: { input: signUpInput({ email }) } });
      expect(errorCode(response)).toBe('INTERNAL_SERVER_ERROR');
      expect(response.body.errors?.[0]?.message).toBe('Internal server error.');
      expect(response.body.data ?? null).toBeNull();
      expectNoLeak(response);
      expect(JSON.stringify(response.body)).not.toContain('no_such_table');
    } finally {
      tokens.issue = issue;
    }
    await expectNoAccount(server, email);
  });

  it('carries no stack trace on any kind of error response', async () => {
    const responses = await Promise.all([
      server.gql({ query: '{ mee { id } }' }),
      server.gql({ query: '{ me { ' }),
      server.gql({ query: '{ me { role } }' }),
      server.gql({ query: '{ me { role } }', token: 'not-a-token' }),
      server.gql({ query: SIGN_UP, variables: { input: signUpInput({ companyName: '' }) } }),
      server.gql({ query: SIGN_UP, variables: { input: signUpInput({ confirmAge16OrOlder: 'yes' }) } }),
      server.gql({ query: LOG_IN, variables: { input: { email: uniqueEmail('nobody'), password: STRONG_PASSWORD } } }),
    ]);
    expect(responses.map(errorCode)).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
      'GRAPHQL_PARSE_FAILED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'INVALID_CREDENTIALS',
    ]);
    for (const response of responses) expectNoLeak(response);
  });
});

describe('CSRF prevention', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('refuses a simple GET without a preflight header', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLResponse['body'];
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(body.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/i);
  });

  it('refuses a text/plain POST', async () => {
    const response = await server.post('/graphql', JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'text/plain' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLResponse['body'];
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('answers an application/json POST, and a GET that carries the preflight header', async () => {
    const post = await server.post('/graphql', JSON.stringify({ query: '{ __typename }' }));
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ data: { __typename: 'Query' } });
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('never runs a mutation over GET, even with the preflight header', async () => {
    const email = uniqueEmail('get');
    const query = `mutation { signUp(input: { companyName: "Get Promo", fullName: "Gene Get", email: "${email}", password: "${STRONG_PASSWORD}", confirmAge16OrOlder: true }) { accessToken } }`;
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
    await expectNoAccount(server, email);
  });
});

describe('request body limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ BODY_LIMIT: '1kb' });
  });
  afterAll(() => server.close());

  it('refuses a 5 KB body with 413 and BAD_USER_INPUT in the GraphQL error shape', async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(5 * 1024) } });
    const response = await server.post('/graphql', body);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    const parsed = (await response.json()) as GraphQLResponse['body'];
    expect(parsed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(parsed.errors?.[0]?.message).toMatch(/too large/i);
  });

  it('refuses malformed JSON with 400 and BAD_USER_INPUT, without echoing a parser stack', async () => {
    const response = await server.post('/graphql', '{"query": "{ __typename }"');
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toMatch(LEAK);
    const parsed = JSON.parse(text) as GraphQLResponse['body'];
    expect(parsed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers a body under the limit', async () => {
    const response = await server.post('/graphql', JSON.stringify({ query: '{ __typename }' }));
    expect(response.status).toBe(200);
  });
});

function expectRateLimited(response: GraphQLResponse): void {
  expectRefused(response, 429, 'RATE_LIMITED');
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(response.body.errors?.[0]?.extensions?.retryAfterSeconds).toBe(retryAfter);
}

describe('rate limit per IP', () => {
  let server: TestServer;
  /** Same database, no tight limit: to look at what the limited server did. */
  let observer: TestServer;
  beforeAll(async () => {
    [server, observer] = await Promise.all([startTestServer({ RATE_LIMIT_PER_IP_PER_MINUTE: '5' }), startTestServer()]);
  });
  afterAll(async () => {
    await Promise.all([server.close(), observer.close()]);
  });

  it('answers 5 anonymous requests a minute from one IP and refuses the 6th with 429 and Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await server.gql({ query: '{ __typename }' });
      expect(response.status).toBe(200);
    }
    expectRateLimited(await server.gql({ query: '{ __typename }' }));
  });

  it('does not run a mutation over the limit: the refused signUp created nothing', async () => {
    const email = uniqueEmail('limited');
    expectRateLimited(await server.gql({ query: SIGN_UP, variables: { input: signUpInput({ email }) } }));
    await expectNoAccount(observer, email);
  });
});

describe('rate limit per user and per API key', () => {
  let server: TestServer;
  let userA: SignedUpOwner;
  let userB: SignedUpOwner;
  let keyA: { id: string; secret: string };
  let keyB: { id: string; secret: string };
  const ACTOR_LIMIT = 3;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_PER_ACTOR_PER_MINUTE: String(ACTOR_LIMIT), RATE_LIMIT_PER_IP_PER_MINUTE: '10000' });
    const keyOwner = await signUpOwner(server);
    keyA = await createApiKey(server, keyOwner, ['MEMBERS_READ']);
    keyB = await createApiKey(server, keyOwner, ['MEMBERS_READ']);
    [userA, userB] = await Promise.all([signUpOwner(server), signUpOwner(server)]);
  });
  afterAll(() => server.close());

  it('limits user A without limiting user B on the same IP', async () => {
    for (let i = 0; i < ACTOR_LIMIT; i++) {
      const response = await server.gql<{ me: { user: { id: string } } }>({ query: '{ me { user { id } } }', token: userA.accessToken });
      expect(response.body.data?.me.user.id).toBe(userA.userId);
    }
    expectRateLimited(await server.gql({ query: '{ me { user { id } } }', token: userA.accessToken }));
    const b = await server.gql<{ me: { user: { id: string } } }>({ query: '{ me { user { id } } }', token: userB.accessToken });
    expect(b.status).toBe(200);
    expect(b.body.data?.me.user.id).toBe(userB.userId);
    // Anonymous requests from the same IP are not held back by A's limit either.
    expect((await server.gql({ query: '{ __typename }' })).status).toBe(200);
  });

  it('limits API key A without limiting API key B', async () => {
    for (let i = 0; i < ACTOR_LIMIT; i++) {
      const response = await server.gql<{ members: { id: string }[] }>({ query: '{ members { id } }', token: keyA.secret });
      expect(response.status).toBe(200);
      expect(response.body.data?.members).toHaveLength(1);
    }
    expectRateLimited(await server.gql({ query: '{ members { id } }', token: keyA.secret }));
    const b = await server.gql<{ members: { id: string }[] }>({ query: '{ members { id } }', token: keyB.secret });
    expect(b.status).toBe(200);
    expect(b.body.data?.members).toHaveLength(1);
  });
});

describe('rate-limit store', () => {
  const redisUrl = process.env.REDIS_URL;
  if (redisUrl) {
    const prefix = `test:shared:${randomUUID()}:`;
    let first: TestServer;
    let second: TestServer;
    beforeAll(async () => {
      const env = { REDIS_URL: redisUrl, RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_PER_IP_PER_MINUTE: '4' };
      [first, second] = await Promise.all([startTestServer(env), startTestServer(env)]);
    });
    afterAll(async () => {
      await Promise.all([first.close(), second.close()]);
    });

    it('uses Redis when REDIS_URL is set', () => {
      expect(first.app.get(RateLimitStore).status()).toMatchObject({ backend: 'redis', redis: 'up' });
      expect(second.app.get(RateLimitStore).status()).toMatchObject({ backend: 'redis', redis: 'up' });
    });

    it('shares one limit across instances with the same key prefix', async () => {
      for (const server of [first, second, first, second]) {
        expect((await server.gql({ query: '{ __typename }' })).status).toBe(200);
      }
      expectRateLimited(await first.gql({ query: '{ __typename }' }));
      expectRateLimited(await second.gql({ query: '{ __typename }' }));
    });

    it('counts hits in a window that expires (RedisRateLimitStore)', async () => {
      const store = new RedisRateLimitStore(redisUrl, `test:store:${randomUUID()}:`);
      try {
        expect(await store.connect(2_000)).toBe(true);
        const hits = [await store.hit('k', 60_000), await store.hit('k', 60_000), await store.hit('k', 60_000)];
        expect(hits.map((hit) => hit.count)).toEqual([1, 2, 3]);
        for (const hit of hits) {
          expect(hit.resetInMs).toBeGreaterThan(0);
          expect(hit.resetInMs).toBeLessThanOrEqual(60_000);
        }
        expect(await store.peek('k')).toBe(3);
        expect((await store.hit('other', 60_000)).count).toBe(1);
        await store.reset('k');
        expect(await store.peek('k')).toBe(0);
        const short = await store.hit('short', 200);
        expect(short.resetInMs).toBeLessThanOrEqual(200);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await store.peek('short')).toBe(0);
        expect((await store.hit('short', 200)).count).toBe(1);
      } finally {
        await store.close();
      }
    });
  } else {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(() => server.close());

    it('uses the in-memory store without REDIS_URL', () => {
      expect(server.app.get(RateLimitStore)).toBeInstanceOf(MemoryRateLimitStore);
    });
  }
});

describe('bad inputs: clear codes, nothing changed', () => {
  let server: TestServer;
  let owner: SignedUpOwner;
  beforeAll(async () => {
    server = await startTestServer();
    owner = await signUpOwner(server);
  });
  afterAll(() => server.close());

  const INVITE = 'mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }';

  it('refuses an unknown enum value with BAD_USER_INPUT and creates no invitation', async () => {
    const response = await server.gql({
      query: INVITE,
      variables: { input: { email: uniqueEmail('king'), role: 'KING' } },
      token: owner.accessToken,
    });
    expectRefused(response, 400, 'BAD_USER_INPUT');
    const invitations = await server.gql<{ invitations: { id: string }[] }>({ query: '{ invitations { id } }', token: owner.accessToken });
    expect(invitations.body.data?.invitations).toEqual([]);
  });

  it('refuses a wrongly typed variable with BAD_USER_INPUT and creates no account', async () => {
    const email = uniqueEmail('yes');
    const response = await server.gql({ query: SIGN_UP, variables: { input: signUpInput({ email, confirmAge16OrOlder: 'yes' }) } });
    expectRefused(response, 400, 'BAD_USER_INPUT');
    await expectNoAccount(server, email);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['300 characters long', 'C'.repeat(300)],
  ])('refuses a company name that is %s, naming the field, and creates no account', async (_label, companyName) => {
    const email = uniqueEmail('company');
    const response = await server.gql({ query: SIGN_UP, variables: { input: signUpInput({ email, companyName }) } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.body.data ?? null).toBeNull();
    expectNoLeak(response);
    const fields = response.body.errors?.[0]?.extensions?.fields as { field: string; problems: string[] }[] | undefined;
    expect(fields?.map((f) => f.field)).toEqual(['companyName']);
    await expectNoAccount(server, email);
  });

  it('refuses a 300-character full name the same way', async () => {
    const email = uniqueEmail('fullname');
    const response = await server.gql({ query: SIGN_UP, variables: { input: signUpInput({ email, fullName: 'F'.repeat(300) }) } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    const fields = response.body.errors?.[0]?.extensions?.fields as { field: string }[] | undefined;
    expect(fields?.map((f) => f.field)).toEqual(['fullName']);
    await expectNoAccount(server, email);
  });
});
