import { expect } from '@jest/globals';
import { Client as PgClient } from 'pg';
import { addMember, createApiKey, createClient, createOrder, signUpOwner, STRONG_PASSWORD, type SignedUpOwner } from './support/fixtures';
import { privilegedQuery } from './support/database';
import { dataOf, errorCode, startTestServer, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const ENTRIES = /* GraphQL */ `
  query ($first: Int, $after: String, $filter: AuditEntryFilter) {
    auditEntries(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          sequence
          occurredAt
          actorType
          actorUserId
          actorApiKeyId
          action
          targetType
          targetId
          result
          errorCode
          requestId
          ip
          userAgent
          browser
          os
          deviceType
          redactedAt
          hash
        }
      }
    }
  }
`;
const VERIFY = `query { verifyAuditChain { valid entriesChecked firstBrokenEntryId firstBrokenSequence problem } }`;

interface Entry {
  id: string;
  sequence: string;
  occurredAt: string;
  actorType: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: string;
  errorCode: string | null;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  deviceType: string | null;
  redactedAt: string | null;
  hash: string;
}
interface EntriesData {
  auditEntries: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Entry }[] };
}
interface Verification {
  valid: boolean;
  entriesChecked: number;
  firstBrokenEntryId: string | null;
  firstBrokenSequence: string | null;
  problem: string | null;
}

/** Runs statements on one connection as the app's role with a tenant set, the way a request does. */
async function asAppRole(tenantId: string, sql: string): Promise<string> {
  const client = new PgClient({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('role', 'crm_app', true), set_config('app.tenant_id', $1, true)`, [tenantId]);
    try {
      await client.query(sql);
      return 'allowed';
    } catch (error) {
      return (error as Error).message;
    }
  } finally {
    await client.query('rollback').catch(() => undefined);
    await client.end();
  }
}

/** A privileged change with the append-only trigger bypassed: what an attacker with database access could do. */
async function tamper(sql: string, params: unknown[] = []): Promise<void> {
  const client = new PgClient({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`set local session_replication_role = replica`);
    await client.query(sql, params);
    await client.query('commit');
  } finally {
    await client.end();
  }
}

describe('audit trail', () => {
  let server: TestServer;
  let owner: SignedUpOwner;

  const entries = async (token: string, filter: Record<string, unknown> = {}, first = 100) =>
    dataOf(await server.gql<EntriesData>({ query: ENTRIES, variables: { first, filter }, token })).auditEntries;
  const byRequest = async (requestId: string) => (await entries(owner.accessToken, {})).edges.map((e) => e.node).filter((n) => n.requestId === requestId);
  const verify = async (token: string) => dataOf(await server.gql<{ verifyAuditChain: Verification }>({ query: VERIFY, token })).verifyAuditChain;

  beforeAll(async () => {
    server = await startTestServer({ AUDIT_API_KEY_USE_INTERVAL_SECONDS: '0', MAINTENANCE_INTERVAL_MINUTES: '0' });
    owner = await signUpOwner(server);
  });
  afterAll(async () => ifCreated(server)?.close());

  it('records every mutation in its transaction, with actor, target, request, IP and parsed device', async () => {
    const response = await server.gql<{ createClient: { id: string } }>({
      query: `mutation { createClient(input: { name: "Audited Inc" }) { id } }`,
      token: owner.accessToken,
      headers: { 'user-agent': IPHONE, 'x-request-id': 'audit-create-1' },
    });
    const clientId = dataOf(response).createClient.id;
    const [entry] = await byRequest('audit-create-1');
    expect(entry).toMatchObject({
      actorType: 'USER',
      actorUserId: owner.userId,
      action: 'createClient',
      targetType: 'Client',
      targetId: clientId,
      result: 'SUCCESS',
      errorCode: null,
      userAgent: IPHONE,
      browser: 'Mobile Safari 17',
      os: 'iOS 17.0',
      deviceType: 'mobile',
      redactedAt: null,
    });
    expect(entry.ip).toMatch(/127\.0\.0\.1/);

    // Two fields, the second refused: the whole operation rolls back, and with it both entries.
    const before = (await entries(owner.accessToken)).totalCount;
    const failed = await server.gql({
      query: `mutation { a: createClient(input: { name: "Kept?" }) { id } b: transitionOrder(id: "01a210de-0000-7000-8000-000000000000", to: CONFIRMED) { id } }`,
      token: owner.accessToken,
      headers: { 'x-request-id': 'audit-failed-1' },
    });
    expect(errorCode(failed)).toBe('NOT_FOUND');
    expect(await byRequest('audit-failed-1')).toEqual([]);
    expect((await entries(owner.accessToken)).totalCount).toBe(before);
    expect(await privilegedQuery(`select 1 from client where tenant_id = $1 and name = 'Kept?'`, [owner.tenantId])).toEqual([]);
  });

  it("records sign-ins: a success in the tenant's trail with the device, a failure in the platform's, kept although the call fails", async () => {
    const logIn = (password: string, requestId: string) =>
      server.gql({
        query: `mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }`,
        variables: { input: { email: owner.email, password } },
        headers: { 'user-agent': DESKTOP, 'x-request-id': requestId },
      });
    expect(errorCode(await logIn('wrong password, surely', 'audit-login-bad'))).toBe('INVALID_CREDENTIALS');
    const failures = await privilegedQuery<{
      tenant_id: string | null;
      actor_type: string;
      result: string;
      error_code: string;
      target_id: string;
      browser: string;
      os: string;
    }>(
      `select tenant_id, actor_type::text as actor_type, result::text as result, error_code, target_id, browser, os
         from audit_entry where request_id = 'audit-login-bad'`,
    );
    expect(failures).toEqual([
      {
        tenant_id: null,
        actor_type: 'ANONYMOUS',
        result: 'FAILURE',
        error_code: 'INVALID_CREDENTIALS',
        target_id: owner.userId,
        browser: 'Chrome 131',
        os: 'Windows 10',
      },
    ]);

    dataOf(await logIn(STRONG_PASSWORD, 'audit-login-ok'));
    expect(await byRequest('audit-login-ok')).toEqual([
      expect.objectContaining({
        actorType: 'USER',
        actorUserId: owner.userId,
        action: 'auth.signIn',
        result: 'SUCCESS',
        targetId: owner.userId,
        browser: 'Chrome 131',
        deviceType: 'desktop',
      }),
    ]);
  });

  it('records permission refusals in a transaction of their own, and API-key use', async () => {
    const viewer = await addMember(server, owner, 'VIEWER');
    const refused = await server.gql({
      query: `mutation { createClient(input: { name: "Not allowed" }) { id } }`,
      token: viewer.accessToken,
      headers: { 'x-request-id': 'audit-denied-1' },
    });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(await byRequest('audit-denied-1')).toEqual([
      expect.objectContaining({ actorUserId: viewer.userId, action: 'createClient', result: 'DENIED', errorCode: 'FORBIDDEN', targetType: 'Client' }),
    ]);

    const key = await createApiKey(server, owner, ['ORDERS_READ']);
    const read = await server.gql({
      query: `query { orders(first: 1) { edges { node { id } } } }`,
      token: key.secret,
      headers: { 'x-request-id': 'audit-key-1' },
    });
    dataOf(read);
    expect(await byRequest('audit-key-1')).toEqual([
      expect.objectContaining({ actorType: 'API_KEY', actorApiKeyId: key.id, action: 'apiKey.use', targetType: 'ApiKey', targetId: key.id }),
    ]);
    // A masked field is a refusal too (throttled per actor and field set).
    await createOrder(server, owner, (await createClient(server, owner)).id);
    const masked = await server.gql({
      query: `query { orders(first: 1) { edges { node { id margin } } } }`,
      token: key.secret,
      headers: { 'x-request-id': 'audit-key-2' },
    });
    expect(errorCode(masked)).toBe('FORBIDDEN_FIELD');
    expect((await byRequest('audit-key-2')).map((e) => [e.action, e.result, e.errorCode, e.targetType])).toEqual(
      expect.arrayContaining([
        ['apiKey.use', 'SUCCESS', null, 'ApiKey'],
        ['field.read', 'DENIED', 'FORBIDDEN_FIELD', 'margin'],
      ]),
    );
  });

  it('filters and pages the trail', async () => {
    const other = await addMember(server, owner, 'MANAGER');
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) made.push((await createClient(server, other, { name: `Paged ${i}` })).id);
    const mine = await entries(owner.accessToken, { actorUserId: other.userId, action: 'createClient' }, 2);
    expect(mine.totalCount).toBe(3);
    expect(mine.edges.map((e) => e.node.targetId)).toEqual([made[2], made[1]]);
    expect(mine.pageInfo.hasNextPage).toBe(true);
    const rest = dataOf(
      await server.gql<EntriesData>({
        query: ENTRIES,
        variables: { first: 2, after: mine.pageInfo.endCursor, filter: { actorUserId: other.userId, action: 'createClient' } },
        token: owner.accessToken,
      }),
    ).auditEntries;
    expect(rest.edges.map((e) => e.node.targetId)).toEqual([made[0]]);
    expect((await entries(owner.accessToken, { targetId: made[1] })).edges.map((e) => e.node.action)).toEqual(['createClient']);
    expect((await entries(owner.accessToken, { from: new Date(Date.now() + 60_000).toISOString() })).totalCount).toBe(0);
    expect((await entries(owner.accessToken, { result: 'DENIED', actorType: 'USER' })).totalCount).toBeGreaterThan(0);

    // Sequences are consecutive, newest first.
    const all = (await entries(owner.accessToken, {}, 100)).edges.map((e) => BigInt(e.node.sequence));
    for (let i = 1; i < all.length; i += 1) expect(all[i]).toBe(all[i - 1] - 1n);

    // AUDIT_READ only; and another tenant's trail is not visible.
    expect(errorCode(await server.gql({ query: ENTRIES, variables: {}, token: other.accessToken }))).toBe('FORBIDDEN');
    const stranger = await signUpOwner(server);
    expect((await entries(stranger.accessToken)).edges.every((e) => e.node.actorUserId === stranger.userId)).toBe(true);
    expect(errorCode(await server.gql({ query: ENTRIES, variables: { after: 'bm9wZQ' }, token: owner.accessToken }))).toBe('BAD_USER_INPUT');
  });

  it('is append-only in the database, even for raw SQL by the app role and for the owner', async () => {
    const [row] = await privilegedQuery<{ id: string }>(`select id from audit_entry where tenant_id = $1 limit 1`, [owner.tenantId]);
    expect(await asAppRole(owner.tenantId, `update audit_entry set action = 'x' where id = '${row.id}'`)).toMatch(/permission denied/);
    expect(await asAppRole(owner.tenantId, `delete from audit_entry where id = '${row.id}'`)).toMatch(/permission denied/);
    expect(await asAppRole(owner.tenantId, `truncate audit_entry`)).toMatch(/permission denied/);
    // The privileged connection (superuser here) still meets the trigger.
    await expect(privilegedQuery(`update audit_entry set action = 'x' where id = $1`, [row.id])).rejects.toThrow(/change only by redacting/);
    await expect(privilegedQuery(`delete from audit_entry where id = $1`, [row.id])).rejects.toThrow(/append-only/);
    await expect(privilegedQuery(`update audit_entry set ip = null where id = $1`, [row.id])).rejects.toThrow(/change only by redacting/);
    // Inserting into another tenant's trail is refused by row-level security.
    const stranger = await signUpOwner(server);
    expect(await asAppRole(owner.tenantId, `insert into audit_chain_head (chain_key, last_seq, last_hash) values ('${stranger.tenantId}', 0, 'x')`)).toMatch(
      /row-level security/,
    );
  });

  it('verifies the hash chain, and finds the first tampered or missing entry', async () => {
    const victim = await signUpOwner(server);
    for (let i = 0; i < 4; i += 1) await createClient(server, victim, { name: `Chain ${i}` });
    const ok = await verify(victim.accessToken);
    expect(ok).toEqual({ valid: true, entriesChecked: 5, firstBrokenEntryId: null, firstBrokenSequence: null, problem: null });

    const chain = await privilegedQuery<{ id: string; chain_seq: string; action: string; ip: string }>(
      `select id, chain_seq::text as chain_seq, action, ip from audit_entry where tenant_id = $1 order by chain_seq`,
      [victim.tenantId],
    );
    // A changed action: the entry no longer matches its hash.
    await tamper(`update audit_entry set action = 'deleteClient' where id = $1`, [chain[2].id]);
    expect(await verify(victim.accessToken)).toMatchObject({ valid: false, entriesChecked: 2, firstBrokenEntryId: chain[2].id, firstBrokenSequence: '3' });
    await tamper(`update audit_entry set action = $2 where id = $1`, [chain[2].id, chain[2].action]);
    expect((await verify(victim.accessToken)).valid).toBe(true);

    // A changed IP (a personal field) is found through its digest.
    await tamper(`update audit_entry set ip = '10.9.8.7' where id = $1`, [chain[1].id]);
    expect(await verify(victim.accessToken)).toMatchObject({ valid: false, firstBrokenEntryId: chain[1].id, problem: expect.stringMatching(/personal/) });
    await tamper(`update audit_entry set ip = $2 where id = $1`, [chain[1].id, chain[1].ip]);

    // A deleted entry in the middle, and a deleted tail.
    const [middle] = await privilegedQuery(`select * from audit_entry where id = $1`, [chain[3].id]);
    await tamper(`delete from audit_entry where id = $1`, [chain[3].id]);
    expect(await verify(victim.accessToken)).toMatchObject({ valid: false, firstBrokenEntryId: chain[4].id, problem: expect.stringMatching(/missing/) });
    await tamper(`delete from audit_entry where id = $1`, [chain[4].id]);
    expect(await verify(victim.accessToken)).toMatchObject({ valid: false, firstBrokenEntryId: null, problem: expect.stringMatching(/missing at the end/) });
    expect(middle).toBeDefined();
  });
});
