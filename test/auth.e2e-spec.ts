import { signUpOwner, STRONG_PASSWORD, uniqueEmail } from './support/fixtures';
import { errorCode, startTestServer, type TestServer, partialDataOf, errorsOf } from './support/test-server';

const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { accessToken refreshToken activeTenant { id } user { email } } }`;
const REFRESH = `mutation($token: String!) { refreshSession(input: { refreshToken: $token }) { accessToken refreshToken } }`;
const ME = `{ me { user { id email fullName ageConfirmedAt } role permissions activeTenant { id name } memberships { tenantId role } } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { accessToken user { email } } }`;

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

describe('sign-up, log-in and sessions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_IP: '1000' });
  });
  afterAll(() => server.close());

  const logIn = (email: string, password: string, headers?: Record<string, string>) =>
    server.gql<{ logIn: Tokens & { activeTenant: { id: string } } }>({ query: LOG_IN, variables: { input: { email, password } }, headers });

  it('signs up a company with its owner, who then sees themselves in `me`', async () => {
    const owner = await signUpOwner(server);
    const me = await server.gql<{
      me: {
        user: { email: string; ageConfirmedAt: string };
        role: string;
        permissions: string[];
        activeTenant: { id: string; name: string };
        memberships: unknown[];
      };
    }>({
      query: ME,
      token: owner.accessToken,
    });
    expect(me.body.errors).toBeUndefined();
    const data = partialDataOf(me).me;
    expect(data.user.email).toBe(owner.email);
    expect(new Date(data.user.ageConfirmedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(data.role).toBe('OWNER');
    expect(data.permissions).toEqual(expect.arrayContaining(['MEMBERS_MANAGE', 'API_KEYS_MANAGE', 'BILLING_MANAGE']));
    expect(data.activeTenant).toEqual({ id: owner.tenantId, name: owner.companyName });
    expect(data.memberships).toEqual([{ tenantId: owner.tenantId, role: 'OWNER' }]);
  });

  it('refuses sign-up without the age confirmation, with a weak password, or with a taken email, and creates nothing', async () => {
    const base = { companyName: 'Nope Ltd', fullName: 'Nora Nope', password: STRONG_PASSWORD, confirmAge16OrOlder: true };
    const young = uniqueEmail('young');
    expect(errorCode(await server.gql({ query: SIGN_UP, variables: { input: { ...base, email: young, confirmAge16OrOlder: false } } }))).toBe(
      'AGE_CONFIRMATION_REQUIRED',
    );
    const weak = uniqueEmail('weak');
    for (const password of ['short', 'password123', 'aaaaaaaaaaaa', `${weak.split('@')[0]}-secret`]) {
      expect(errorCode(await server.gql({ query: SIGN_UP, variables: { input: { ...base, email: weak, password } } }))).toBe('WEAK_PASSWORD');
    }
    for (const email of [young, weak]) expect(errorCode(await logIn(email, STRONG_PASSWORD))).toBe('INVALID_CREDENTIALS');

    const owner = await signUpOwner(server);
    const taken = await server.gql({ query: SIGN_UP, variables: { input: { ...base, email: owner.email.toUpperCase() } } });
    expect(errorCode(taken)).toBe('CONFLICT');
  });

  it('treats emails case-insensitively', async () => {
    const owner = await signUpOwner(server);
    const response = await logIn(`  ${owner.email.toUpperCase()} `, owner.password);
    expect(response.body.errors).toBeUndefined();
    expect(partialDataOf(response).logIn.activeTenant.id).toBe(owner.tenantId);
  });

  it('gives the same answer for an unknown email and a wrong password', async () => {
    const owner = await signUpOwner(server);
    const wrongPassword = await logIn(owner.email, 'not the right password at all');
    const unknownEmail = await logIn(uniqueEmail('ghost'), 'not the right password at all');
    expect(errorCode(wrongPassword)).toBe('INVALID_CREDENTIALS');
    expect(errorCode(unknownEmail)).toBe('INVALID_CREDENTIALS');
    expect(errorsOf(wrongPassword)[0].message).toBe(errorsOf(unknownEmail)[0].message);
  });

  it('locks an account after repeated failures, even for the right password, and the same for unknown emails', async () => {
    const owner = await signUpOwner(server);
    for (let i = 0; i < 3; i++) expect(errorCode(await logIn(owner.email, 'wrong password number x'))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await logIn(owner.email, owner.password))).toBe('RATE_LIMITED');

    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 3; i++) await logIn(ghost, 'wrong password number x');
    expect(errorCode(await logIn(ghost, 'wrong password number x'))).toBe('RATE_LIMITED');
  });

  it('rotates refresh tokens, and revokes the whole family when an old one is reused', async () => {
    const owner = await signUpOwner(server);
    const first = await server.gql<{ refreshSession: Tokens }>({ query: REFRESH, variables: { token: owner.refreshToken } });
    expect(first.body.errors).toBeUndefined();
    const rotated = partialDataOf(first).refreshSession;
    expect(rotated.refreshToken).not.toBe(owner.refreshToken);
    expect((await server.gql({ query: ME, token: rotated.accessToken })).body.errors).toBeUndefined();

    // The first token is replayed: an attacker has it. The session family ends for everyone.
    const replay = await server.gql({ query: REFRESH, variables: { token: owner.refreshToken } });
    expect(errorCode(replay)).toBe('INVALID_TOKEN');
    expect(errorCode(await server.gql({ query: REFRESH, variables: { token: rotated.refreshToken } }))).toBe('INVALID_TOKEN');
    const afterRevocation = await server.gql({ query: ME, token: rotated.accessToken });
    expect(afterRevocation.status).toBe(401);
    expect(errorCode(afterRevocation)).toBe('UNAUTHENTICATED');

    // Other sessions of the same user are untouched.
    const other = await logIn(owner.email, owner.password);
    expect((await server.gql({ query: ME, token: partialDataOf(other).logIn.accessToken })).body.errors).toBeUndefined();
  });

  it('refuses garbage and expired credentials with 401 UNAUTHENTICATED', async () => {
    for (const token of ['garbage', 'pxk_not-a-real-key', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']) {
      const response = await server.gql({ query: ME, token });
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
    }
    expect(errorCode(await server.gql({ query: ME }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await server.gql({ query: REFRESH, variables: { token: 'pxr_unknown' } }))).toBe('INVALID_TOKEN');
  });

  it("logs out: the session's access and refresh tokens stop working", async () => {
    const owner = await signUpOwner(server);
    const out = await server.gql<{ logOut: boolean }>({ query: 'mutation { logOut }', token: owner.accessToken });
    expect(out.body.data).toEqual({ logOut: true });
    expect((await server.gql({ query: ME, token: owner.accessToken })).status).toBe(401);
    expect(errorCode(await server.gql({ query: REFRESH, variables: { token: owner.refreshToken } }))).toBe('INVALID_TOKEN');
  });
});

describe('access tokens expire', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ACCESS_TOKEN_TTL_SECONDS: '60' });
  });
  afterAll(() => server.close());

  it('refuses an access token past its expiry', async () => {
    const owner = await signUpOwner(server);
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 61_000;
      const response = await server.gql({ query: ME, token: owner.accessToken });
      expect(response.status).toBe(401);
    } finally {
      Date.now = realNow;
    }
    expect((await server.gql({ query: ME, token: owner.accessToken })).status).toBe(200);
  });
});

describe('platform staff accounts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('read their own profile and end their session, but never act in a tenant', async () => {
    const { privilegedQuery } = await import('./support/database.js');
    const person = await signUpOwner(server);
    await privilegedQuery(`update "user" set platform_role = 'SUPPORT' where id = $1`, [person.userId]);
    const staff = await server.gql<{ logIn: Tokens }>({ query: LOG_IN, variables: { input: { email: person.email, password: person.password } } });
    const token = partialDataOf(staff).logIn.accessToken;

    const me = await server.gql<{ me: { user: { email: string }; activeTenant: null; memberships: unknown[]; platformRole: string } }>({
      query: `{ me { user { email } activeTenant { id } memberships { tenantId } platformRole } }`,
      token,
    });
    expect(me.body.errors).toBeUndefined();
    expect(partialDataOf(me).me).toEqual({ user: { email: person.email }, activeTenant: null, memberships: [], platformRole: 'SUPPORT' });
    const switched = await server.gql({
      query: `mutation($id: ID!) { switchTenant(input: { tenantId: $id }) { accessToken } }`,
      variables: { id: person.tenantId },
      token,
    });
    expect(errorCode(switched)).toBe('FORBIDDEN');
    expect(errorCode(await server.gql({ query: `{ members { id } }`, token }))).toBe('FORBIDDEN');

    const out = await server.gql<{ logOut: boolean }>({ query: 'mutation { logOut }', token });
    expect(out.body.data).toEqual({ logOut: true });
    expect((await server.gql({ query: ME, token })).status).toBe(401);
  });
});
