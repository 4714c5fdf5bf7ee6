import { randomUUID } from 'node:crypto';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { QueryResult } from '@mikro-orm/core';
import { MembersService } from '../src/accounts/members/members.service.js';
import { MemberType } from '../src/accounts/members/member.types.js';
import { Membership } from '../src/accounts/members/membership.entity.js';
import { asCredentialPath, tenantScopedFork } from '../src/database/tenant-session.js';
import { privilegedQuery, rowSecurityOf } from './support/database.js';
import { addMember, signUpOwner, uniqueEmail, type Member, type SignedUpOwner } from './support/fixtures.js';
import { dataOf, startTestServer, type TestServer } from './support/test-server.js';

/**
 * Layer 3 (row-level security) on the account tables a request could once read across tenants: memberships and
 * invitations (invitees' addresses) are their tenant's, refresh sessions (IPs, user agents) their user's. As in
 * test/tenant-isolation.e2e-spec.ts, straight through the request role with the ORM filter out of the way.
 */

const INVITE = `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token invitation { id } } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken } }`;
const MEMBERS = `query { members { id userId role } }`;
const ACCOUNT_TABLES = ['invitation', 'membership', 'refresh_session'];

interface Ids {
  memberships: string[];
  invitations: string[];
  sessions: string[];
}

async function idsWhere(table: string, where: string, params: unknown[]): Promise<string[]> {
  return (await privilegedQuery<{ id: string }>(`select id from ${table} where ${where} order by id`, params)).map((r) => r.id);
}

async function tenantRows(tenantId: string): Promise<Ids> {
  return {
    memberships: await idsWhere('membership', 'tenant_id = $1', [tenantId]),
    invitations: await idsWhere('invitation', 'tenant_id = $1', [tenantId]),
    sessions: await idsWhere('refresh_session', 'tenant_id = $1', [tenantId]),
  };
}

describe('row-level security on memberships, invitations and refresh sessions', () => {
  let server: TestServer;
  let orm: MikroORM;
  let a: SignedUpOwner;
  let b: SignedUpOwner;
  let bMember: Member;
  /** A member of A who also joined B: their own rows in B are theirs to see, the rest of B is not. */
  let both: Member;
  let invitedAddress: string;

  beforeAll(async () => {
    server = await startTestServer();
    orm = server.app.get(MikroORM);
    [a, b] = await Promise.all([signUpOwner(server), signUpOwner(server)]);
    bMember = await addMember(server, b, 'MANAGER');
    both = await addMember(server, a, 'SALES_REP');
    const toBoth = dataOf(
      await server.gql<{ inviteMember: { token: string } }>({
        query: INVITE,
        variables: { input: { email: both.email, role: 'VIEWER' } },
        token: b.accessToken,
      }),
    );
    dataOf(await server.gql({ query: ACCEPT, variables: { input: { token: toBoth.inviteMember.token } }, token: both.accessToken }));
    // Pending invitations in both tenants, and one in B to an address of A's member who has not answered it.
    invitedAddress = uniqueEmail('pending-b');
    for (const [owner, email] of [
      [a, uniqueEmail('pending-a')],
      [b, invitedAddress],
    ] as const) {
      dataOf(await server.gql({ query: INVITE, variables: { input: { email, role: 'VIEWER' } }, token: owner.accessToken }));
    }
  });
  afterAll(() => server.close());

  /** What crm_app sees of the three tables with `tenantId` and `userId` set, the ORM filter aside (raw SQL). */
  const seenAs = (tenantId: string | null, userId: string | null) =>
    tenantScopedFork(orm, tenantId, userId).transactional(async (tx) => ({
      memberships: (await tx.execute<{ id: string }[]>('select id from membership order by id')).map((r) => r.id),
      invitations: (await tx.execute<{ id: string }[]>('select id from invitation order by id')).map((r) => r.id),
      sessions: (await tx.execute<{ id: string }[]>('select id from refresh_session order by id')).map((r) => r.id),
    }));

  it('has row-level security enabled and forced, with no policy that lets crm_app through unconditionally', async () => {
    for (const table of ACCOUNT_TABLES) expect(await rowSecurityOf(table)).toEqual({ enabled: true, forced: true });
    const policies = await privilegedQuery<{ tablename: string; policyname: string; cmd: string; qual: string | null; with_check: string | null }>(
      `select tablename, policyname, cmd, qual, with_check from pg_policies
        where tablename = any($1) and 'crm_app' = any (roles) order by tablename, policyname`,
      [ACCOUNT_TABLES],
    );
    expect(policies.map((p) => [p.tablename, p.policyname, p.cmd])).toEqual([
      ['invitation', 'own_delete', 'DELETE'],
      ['invitation', 'own_select', 'SELECT'],
      ['invitation', 'tenant_isolation', 'ALL'],
      ['membership', 'own_delete', 'DELETE'],
      ['membership', 'own_select', 'SELECT'],
      ['membership', 'tenant_isolation', 'ALL'],
      ['refresh_session', 'own_rows', 'ALL'],
    ]);
    for (const policy of policies) {
      expect(policy.qual).toMatch(/current_setting\('app\.(tenant_id|user_id)'::text, true\)/);
      // Only the tenant's rows are written: the user's own rows in other tenants are read (and left), never written.
      if (policy.cmd === 'ALL') expect(policy.with_check).toBe(policy.qual);
    }
  });

  it("shows a request of tenant A none of B's memberships and invitations, and no other user's sessions", async () => {
    const [inA, inB] = [await tenantRows(a.tenantId), await tenantRows(b.tenantId)];
    expect(inB.memberships).toHaveLength(3);
    expect(inB.invitations.length).toBeGreaterThanOrEqual(3);
    expect(inB.sessions.length).toBeGreaterThan(0);

    const seen = await seenAs(a.tenantId, a.userId);
    expect(seen.memberships).toEqual(inA.memberships);
    expect(seen.invitations).toEqual(inA.invitations);
    expect(seen.sessions).toEqual(await idsWhere('refresh_session', 'user_id = $1', [a.userId]));

    // A's own member who also joined B sees their own membership there, and the invitation that brought them; none of
    // B's other rows, and still only their own sessions, whichever tenant is set.
    const own = {
      memberships: await idsWhere('membership', 'user_id = $1', [both.userId]),
      invitations: await idsWhere('invitation', 'email = $1', [both.email]),
      sessions: await idsWhere('refresh_session', 'user_id = $1', [both.userId]),
    };
    expect(own.memberships).toHaveLength(2);
    const asBoth = await seenAs(a.tenantId, both.userId);
    expect(asBoth.memberships).toEqual([...new Set([...inA.memberships, ...own.memberships])].sort());
    expect(asBoth.invitations).toEqual([...new Set([...inA.invitations, ...own.invitations])].sort());
    expect(asBoth.sessions).toEqual(own.sessions);
    const bOthers = inB.invitations.filter((id) => !own.invitations.includes(id));
    expect(bOthers.length).toBeGreaterThanOrEqual(2);
    for (const id of bOthers) expect(asBoth.invitations).not.toContain(id);

    // The sessions acting in B are its members' own, not B's: a request of B sees only its user's.
    const asBOwner = await seenAs(b.tenantId, b.userId);
    expect(asBOwner.sessions).toEqual(await idsWhere('refresh_session', 'user_id = $1', [b.userId]));
    expect(asBOwner.sessions).not.toEqual(expect.arrayContaining(await idsWhere('refresh_session', 'user_id = $1', [bMember.userId])));
  });

  it('shows nothing with no tenant and no user set (an API key has a tenant, a user none)', async () => {
    expect(await seenAs(null, null)).toEqual({ memberships: [], invitations: [], sessions: [] });
    const asKey = await seenAs(b.tenantId, null);
    expect(asKey).toEqual({ ...(await tenantRows(b.tenantId)), sessions: [] });
  });

  it("writes none of B's rows from A, nor another user's session, and cannot move a row into B", async () => {
    const [bOwnerMembership] = await idsWhere('membership', 'tenant_id = $1 and user_id = $2', [b.tenantId, b.userId]);
    const [bInvitation] = await idsWhere('invitation', 'tenant_id = $1 and email = $2', [b.tenantId, invitedAddress]);
    const before = {
      memberships: await privilegedQuery('select * from membership where tenant_id = $1 order by id', [b.tenantId]),
      invitations: await privilegedQuery('select * from invitation where tenant_id = $1 order by id', [b.tenantId]),
      sessions: await privilegedQuery('select * from refresh_session where user_id = $1 order by id', [b.userId]),
    };
    const run = (sql: string, params: unknown[]) =>
      tenantScopedFork(orm, a.tenantId, a.userId).transactional(async (tx) => (await tx.execute<QueryResult>(sql, params, 'run')).affectedRows);

    expect(await run(`update membership set role = 'VIEWER' where id = ?`, [bOwnerMembership])).toBe(0);
    expect(await run(`delete from membership where tenant_id = ?`, [b.tenantId])).toBe(0);
    expect(await run(`update invitation set email = 'hijack@example.test', revoked_at = now() where id = ?`, [bInvitation])).toBe(0);
    expect(await run(`delete from invitation where tenant_id = ?`, [b.tenantId])).toBe(0);
    expect(await run(`update refresh_session set revoked_at = now() where user_id = ?`, [b.userId])).toBe(0);
    expect(await run(`delete from refresh_session where user_id = ?`, [b.userId])).toBe(0);

    // Inserting into B, or for another user, is refused by WITH CHECK.
    await expect(
      run(`insert into membership (id, created_at, updated_at, tenant_id, user_id, role) values (?, now(), now(), ?, ?, 'OWNER')`, [
        randomUUID(),
        b.tenantId,
        a.userId,
      ]),
    ).rejects.toThrow(/row-level security/);
    await expect(
      run(
        `insert into invitation (id, created_at, updated_at, tenant_id, email, role, token_hash, expires_at) values (?, now(), now(), ?, 'x@example.test', 'OWNER', ?, now() + interval '1 day')`,
        [randomUUID(), b.tenantId, `hash-${randomUUID()}`],
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      run(
        `insert into refresh_session (id, created_at, updated_at, family_id, user_id, token_hash, expires_at) values (?, now(), now(), ?, ?, ?, now() + interval '1 day')`,
        [randomUUID(), randomUUID(), b.userId, `hash-${randomUUID()}`],
      ),
    ).rejects.toThrow(/row-level security/);
    // Moving A's own membership into B, likewise.
    const [aMembership] = await idsWhere('membership', 'tenant_id = $1 and user_id = $2', [a.tenantId, a.userId]);
    await expect(run(`update membership set tenant_id = ? where id = ?`, [b.tenantId, aMembership])).rejects.toThrow(/row-level security/);

    // A member of both may read their membership in B but not change it from A (their role there is B's to set).
    const [bothInB] = await idsWhere('membership', 'tenant_id = $1 and user_id = $2', [b.tenantId, both.userId]);
    const asBoth = (sql: string, params: unknown[]) =>
      tenantScopedFork(orm, a.tenantId, both.userId).transactional(async (tx) => (await tx.execute<QueryResult>(sql, params, 'run')).affectedRows);
    expect(await asBoth(`update membership set role = 'OWNER' where id = ?`, [bothInB])).toBe(0);

    // Controls: the same statements on A's own rows and the user's own session take effect, so the zeros were policy.
    expect(await run(`update membership set role = role where id = ?`, [aMembership])).toBe(1);
    expect(await run(`update refresh_session set revoked_at = revoked_at where user_id = ?`, [a.userId])).toBeGreaterThan(0);

    expect({
      memberships: await privilegedQuery('select * from membership where tenant_id = $1 order by id', [b.tenantId]),
      invitations: await privilegedQuery('select * from invitation where tenant_id = $1 order by id', [b.tenantId]),
      sessions: await privilegedQuery('select * from refresh_session where user_id = $1 order by id', [b.userId]),
    }).toEqual(before);
  });

  it("still confines a request whose code forgets the tenant to its own tenant's members", async () => {
    const service = server.app.get(MembersService);
    const em = server.app.get(EntityManager);
    const list = jest.spyOn(service, 'list').mockImplementation(async () => {
      const memberships = await em.find(Membership, {}, { populate: ['user'] });
      return memberships.map((m) => MemberType.from(m));
    });
    try {
      const listed = dataOf(await server.gql<{ members: { id: string }[] }>({ query: MEMBERS, token: b.accessToken })).members;
      expect(list).toHaveBeenCalledTimes(1);
      expect(listed.map((m) => m.id).sort()).toEqual((await tenantRows(b.tenantId)).memberships);
    } finally {
      list.mockRestore();
    }
  });

  it("leaves the credential path its reach: it reads any tenant's rows and any user's sessions", async () => {
    const seen = await tenantScopedFork(orm, a.tenantId, a.userId).transactional((tx) =>
      asCredentialPath(tx, async () => ({
        memberships: (await tx.execute<{ id: string }[]>('select id from membership where tenant_id = ? order by id', [b.tenantId])).map((r) => r.id),
        sessions: (await tx.execute<{ n: string }[]>('select count(*) as n from refresh_session where user_id = ?', [b.userId]))[0].n,
        role: (await tx.execute<{ role: string }[]>('select current_user as role'))[0].role,
      })).then(async (read) => ({ ...read, after: (await tx.execute<{ role: string }[]>('select current_user as role'))[0].role })),
    );
    expect(seen).toEqual({
      memberships: (await tenantRows(b.tenantId)).memberships,
      sessions: String((await idsWhere('refresh_session', 'user_id = $1', [b.userId])).length),
      role: 'crm_auth',
      after: 'crm_app',
    });
  });
});
