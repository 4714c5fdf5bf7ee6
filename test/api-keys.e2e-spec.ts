import { addMember, createApiKey, signUpOwner } from './support/fixtures';
import { errorCode, startTestServer, type TestServer, partialDataOf, errorsOf } from './support/test-server';
import { required } from './support/required';

const KEYS = `{ apiKeys { id name displayPrefix scopes active lastUsedAt revokedAt expiresAt } }`;
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id scopes } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { id active revokedAt } }`;
const MEMBERS = `{ members { fullName email } }`;

interface KeyRow {
  id: string;
  name: string;
  displayPrefix: string;
  scopes: string[];
  active: boolean;
  lastUsedAt: string | null;
}

describe('partner API keys', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('creates a key whose secret is shown once, stored only as a hash, and authenticates as the tenant', async () => {
    const owner = await signUpOwner(server);
    const key = await createApiKey(server, owner, ['MEMBERS_READ']);
    expect(key.secret).toMatch(/^pxk_[A-Za-z0-9_-]{43}$/);

    const used = await server.gql<{ members: { fullName: string; email: string | null }[] }>({ query: MEMBERS, token: key.secret });
    expect(partialDataOf(used).members).toEqual([{ fullName: 'Olive Owner', email: null }]);
    expect(errorsOf(used)[0].extensions?.code).toBe('FORBIDDEN_FIELD');

    const list = await server.gql<{ apiKeys: KeyRow[] }>({ query: KEYS, token: owner.accessToken });
    const row = required(
      partialDataOf(list).apiKeys.find((k) => k.id === key.id),
      'the key in the list',
    );
    expect(row.displayPrefix).toBe(key.secret.slice(0, 12));
    expect(row.active).toBe(true);
    expect(row.lastUsedAt).not.toBeNull();

    // Only the SHA-256 of the secret is in the database.
    const { MikroORM } = await import('@mikro-orm/postgresql');
    const rows = await server.app.get(MikroORM).em.fork().execute<{ secret_hash: string }[]>(`select secret_hash from api_key where id = ?`, [key.id]);
    expect(rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].secret_hash).not.toContain(key.secret.slice(4, 20));
  });

  it("refuses operations outside the key's scopes, and user-only operations", async () => {
    const owner = await signUpOwner(server);
    const key = await createApiKey(server, owner, ['ORDERS_READ', 'PII_READ']);
    const members = await server.gql({ query: MEMBERS, token: key.secret });
    expect(errorCode(members)).toBe('FORBIDDEN');
    expect(errorsOf(members)[0].extensions?.missingPermissions).toEqual(['MEMBERS_READ']);
    expect(errorCode(await server.gql({ query: KEYS, token: key.secret }))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql({ query: `{ me { user { id } } }`, token: key.secret }))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql({ query: CREATE, variables: { input: { name: 'x', scopes: ['ORDERS_READ'] } }, token: key.secret }))).toBe('FORBIDDEN');
  });

  it("grants only a subset of the creator's permissions, never key or member management", async () => {
    const owner = await signUpOwner(server);
    const admin = await addMember(server, owner, 'ADMIN');
    // ADMIN lacks BILLING_MANAGE.
    const beyond = await server.gql({ query: CREATE, variables: { input: { name: 'x', scopes: ['BILLING_MANAGE'] } }, token: admin.accessToken });
    expect(errorCode(beyond)).toBe('FORBIDDEN');
    const userOnly = await server.gql({ query: CREATE, variables: { input: { name: 'x', scopes: ['API_KEYS_MANAGE'] } }, token: owner.accessToken });
    expect(errorCode(userOnly)).toBe('BAD_USER_INPUT');
    const empty = await server.gql({ query: CREATE, variables: { input: { name: 'x', scopes: [] } }, token: owner.accessToken });
    expect(errorCode(empty)).toBe('BAD_USER_INPUT');
    const unknown = await server.gql({ query: CREATE, variables: { input: { name: 'x', scopes: ['ROOT'] } }, token: owner.accessToken });
    expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
    const list = await server.gql<{ apiKeys: KeyRow[] }>({ query: KEYS, token: owner.accessToken });
    expect(partialDataOf(list).apiKeys).toEqual([]);
  });

  it('revokes a key, which stops working at once', async () => {
    const owner = await signUpOwner(server);
    const key = await createApiKey(server, owner, ['MEMBERS_READ']);
    expect((await server.gql({ query: MEMBERS, token: key.secret })).status).toBe(200);
    const revoked = await server.gql<{ revokeApiKey: { active: boolean; revokedAt: string } }>({
      query: REVOKE,
      variables: { id: key.id },
      token: owner.accessToken,
    });
    expect(partialDataOf(revoked).revokeApiKey.active).toBe(false);
    const after = await server.gql({ query: MEMBERS, token: key.secret });
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
  });

  it('stops accepting a key after its expiry, and refuses an expiry in the past', async () => {
    const owner = await signUpOwner(server);
    const past = await server.gql({
      query: CREATE,
      variables: { input: { name: 'x', scopes: ['MEMBERS_READ'], expiresAt: new Date(Date.now() - 1000).toISOString() } },
      token: owner.accessToken,
    });
    expect(errorCode(past)).toBe('BAD_USER_INPUT');

    // Seconds of margin, so that a loaded machine still makes the first call before the expiry.
    const expiresAt = Date.now() + 5000;
    const key = await createApiKey(server, owner, ['MEMBERS_READ'], { expiresAt: new Date(expiresAt).toISOString() });
    expect((await server.gql({ query: MEMBERS, token: key.secret })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 200));
    expect((await server.gql({ query: MEMBERS, token: key.secret })).status).toBe(401);
    const list = await server.gql<{ apiKeys: KeyRow[] }>({ query: KEYS, token: owner.accessToken });
    expect(partialDataOf(list).apiKeys[0].active).toBe(false);
  });
});
