import { randomUUID } from 'node:crypto';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { JwtService } from '@nestjs/jwt';
import type { QueryResult } from '@mikro-orm/core';
import { ApiKey } from '../src/accounts/api-keys/api-key.entity.js';
import { ApiKeyService } from '../src/accounts/api-keys/api-key.service.js';
import { ApiKeyType } from '../src/accounts/api-keys/api-key.types.js';
import { JWT_AUDIENCE, JWT_ISSUER, type AccessTokenClaims } from '../src/accounts/auth/token.service.js';
import { Permission } from '../src/common/authorization/permission.js';
import { notFound } from '../src/common/errors/app-errors.js';
import { RequestContextStore, systemContext, type RequestContext } from '../src/common/context/request-context.js';
import { authenticationFork, tenantScopedFork } from '../src/database/tenant-session.js';
import { privilegedQuery, rowSecurityOf } from './support/database.js';
import { addMember, createApiKey, signUpOwner, STRONG_PASSWORD, uniqueEmail, type Member, type SignedUpOwner } from './support/fixtures.js';
import { dataOf, errorCode, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server.js';

/**
 * Tenant isolation (DESIGN.md, "Tenant isolation: three layers"): through the API, and then each layer on its own:
 * the context (tenant only from the credential), the ORM filter with row-level security out of the way, and
 * row-level security with the ORM filter out of the way.
 */

// ---------------------------------------------------------------------------------------------------------------------
// GraphQL documents and shapes

const ME = `query { me { user { id } activeTenant { id name } role permissions memberships { id tenantId role } } }`;
const MEMBERS = `query { members { id userId role } }`;
const API_KEYS = `query { apiKeys { id active revokedAt } }`;
const INVITATIONS = `query { invitations { id revokedAt acceptedAt } }`;
const REVOKE_API_KEY = `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { id revokedAt } }`;
const CHANGE_MEMBER_ROLE = `mutation($memberId: ID!, $role: Role!) { changeMemberRole(input: { memberId: $memberId, role: $role }) { id role } }`;
const REMOVE_MEMBER = `mutation($memberId: ID!) { removeMember(input: { memberId: $memberId }) { id } }`;
const REVOKE_INVITATION = `mutation($id: ID!) { revokeInvitation(input: { id: $id }) { id revokedAt } }`;
const SWITCH_TENANT = `mutation($tenantId: ID!) { switchTenant(input: { tenantId: $tenantId }) { accessToken refreshToken activeTenant { id } } }`;
const REFRESH_SESSION = `mutation($refreshToken: String!) { refreshSession(input: { refreshToken: $refreshToken }) { accessToken refreshToken activeTenant { id } } }`;
const INVITE_MEMBER = `mutation($email: String!, $role: Role!) { inviteMember(input: { email: $email, role: $role }) { token invitation { id } } }`;
const ACCEPT_INVITATION = `mutation($token: String!) { acceptInvitation(input: { token: $token }) { accessToken refreshToken activeTenant { id } } }`;
const LOG_IN = `mutation($email: String!, $password: String!, $tenantId: ID) {
  logIn(input: { email: $email, password: $password, tenantId: $tenantId }) { accessToken refreshToken activeTenant { id } }
}`;
const UPDATE_TENANT_NAME = `mutation($name: String!) { updateTenant(input: { name: $name }) { id name } }`;

interface MeData {
  me: {
    user: { id: string };
    activeTenant: { id: string; name: string } | null;
    role: string | null;
    permissions: string[];
    memberships: { id: string; tenantId: string; role: string }[];
  };
}
interface MembersData {
  members: { id: string; userId: string; role: string }[];
}
interface ApiKeysData {
  apiKeys: { id: string; active: boolean; revokedAt: string | null }[];
}
interface InvitationsData {
  invitations: { id: string; revokedAt: string | null; acceptedAt: string | null }[];
}
interface AuthData {
  accessToken: string;
  refreshToken: string;
  activeTenant: { id: string } | null;
}

/** The operation was refused as a whole: no data, and the given error code. */
function expectRefused(response: GraphQLResponse, codes: string[]): void {
  expect(response.body.data ?? null).toBeNull();
  expect(codes).toContain(errorCode(response));
}

// ---------------------------------------------------------------------------------------------------------------------
// Worlds

/** A tenant with an owner, a MANAGER member, an API key (MEMBERS_READ) and a pending invitation. */
interface TenantWorld {
  owner: SignedUpOwner;
  ownerMembershipId: string;
  member: Member;
  memberMembershipId: string;
  key: { id: string; secret: string };
  invitationId: string;
}

async function buildTenant(server: TestServer): Promise<TenantWorld> {
  const owner = await signUpOwner(server);
  const member = await addMember(server, owner, 'MANAGER');
  const key = await createApiKey(server, owner, [Permission.MEMBERS_READ]);
  const invited = dataOf(
    await server.gql<{ inviteMember: { token: string; invitation: { id: string } } }>({
      query: INVITE_MEMBER,
      variables: { email: uniqueEmail('pending'), role: 'VIEWER' },
      token: owner.accessToken,
    }),
  );
  const members = dataOf(await server.gql<MembersData>({ query: MEMBERS, token: owner.accessToken })).members;
  const ownerMembership = members.find((m) => m.userId === owner.userId);
  const memberMembership = members.find((m) => m.userId === member.userId);
  if (!ownerMembership || !memberMembership) throw new Error(`Unexpected members: ${JSON.stringify(members)}`);
  return {
    owner,
    ownerMembershipId: ownerMembership.id,
    member,
    memberMembershipId: memberMembership.id,
    key,
    invitationId: invited.inviteMember.invitation.id,
  };
}

/** Every id of a tenant's own rows that an API response could leak. */
function idsOf(world: TenantWorld): string[] {
  return [world.owner.tenantId, world.ownerMembershipId, world.memberMembershipId, world.member.userId, world.key.id, world.invitationId];
}

function expectMentionsNone(value: unknown, ids: string[]): void {
  const text = JSON.stringify(value);
  for (const id of ids) expect(text).not.toContain(id);
}

function contextOf(tenantId: string | null): RequestContext {
  return systemContext('tenant-isolation-test', tenantId, new Set());
}

async function keyTenantsByPrivilege(): Promise<Map<string, string>> {
  const rows = await privilegedQuery<{ id: string; tenant_id: string }>('select id, tenant_id from api_key');
  return new Map(rows.map((row) => [row.id, row.tenant_id]));
}

// ---------------------------------------------------------------------------------------------------------------------

describe("tenant isolation through the API: another tenant's records read as not found", () => {
  let server: TestServer;
  let a: TenantWorld;
  let b: TenantWorld;

  beforeAll(async () => {
    server = await startTestServer();
    a = await buildTenant(server);
    b = await buildTenant(server);
  });
  afterAll(() => server.close());

  it("answers every id-taking operation on B's ids with NOT_FOUND, exactly as for an id that does not exist", async () => {
    const unknownId = randomUUID();
    const operations: { name: string; query: string; variables: (id: string) => Record<string, unknown>; bId: string }[] = [
      { name: 'revokeApiKey', query: REVOKE_API_KEY, variables: (id) => ({ id }), bId: b.key.id },
      {
        name: 'changeMemberRole (member)',
        query: CHANGE_MEMBER_ROLE,
        variables: (memberId) => ({ memberId, role: 'VIEWER' }),
        bId: b.memberMembershipId,
      },
      {
        name: 'changeMemberRole (owner)',
        query: CHANGE_MEMBER_ROLE,
        variables: (memberId) => ({ memberId, role: 'VIEWER' }),
        bId: b.ownerMembershipId,
      },
      { name: 'removeMember (member)', query: REMOVE_MEMBER, variables: (memberId) => ({ memberId }), bId: b.memberMembershipId },
      { name: 'removeMember (owner)', query: REMOVE_MEMBER, variables: (memberId) => ({ memberId }), bId: b.ownerMembershipId },
      { name: 'revokeInvitation', query: REVOKE_INVITATION, variables: (id) => ({ id }), bId: b.invitationId },
      { name: 'switchTenant', query: SWITCH_TENANT, variables: (tenantId) => ({ tenantId }), bId: b.owner.tenantId },
    ];

    for (const operation of operations) {
      const onB = await server.gql({ query: operation.query, variables: operation.variables(operation.bId), token: a.owner.accessToken });
      const onNothing = await server.gql({ query: operation.query, variables: operation.variables(unknownId), token: a.owner.accessToken });
      const outcome = { operation: operation.name, code: errorCode(onB), data: onB.body.data ?? null };
      expect(outcome).toEqual({ operation: operation.name, code: 'NOT_FOUND', data: null });
      // No existence oracle: B's id and an id that exists nowhere give the same answer.
      expect({ operation: operation.name, status: onB.status, errors: onB.body.errors }).toEqual({
        operation: operation.name,
        status: onNothing.status,
        errors: onNothing.body.errors,
      });
    }
  });

  it("shows none of B's rows in any list, while showing A's own", async () => {
    const token = a.owner.accessToken;
    const bIds = idsOf(b);

    const keys = dataOf(await server.gql<ApiKeysData>({ query: API_KEYS, token })).apiKeys;
    expect(keys.map((k) => k.id)).toEqual([a.key.id]);
    expectMentionsNone(keys, bIds);

    const members = dataOf(await server.gql<MembersData>({ query: MEMBERS, token })).members;
    expect(members.map((m) => m.id).sort()).toEqual([a.ownerMembershipId, a.memberMembershipId].sort());
    expectMentionsNone(members, bIds);

    const invitations = dataOf(await server.gql<InvitationsData>({ query: INVITATIONS, token })).invitations;
    expect(invitations.map((i) => i.id)).toEqual([a.invitationId]);
    expectMentionsNone(invitations, bIds);

    const me = dataOf(await server.gql<MeData>({ query: ME, token })).me;
    expect(me.activeTenant?.id).toBe(a.owner.tenantId);
    expect(me.memberships).toEqual([{ id: a.ownerMembershipId, tenantId: a.owner.tenantId, role: 'OWNER' }]);
    expectMentionsNone(me, bIds);
  });

  it('keeps concurrent requests of A and B apart', async () => {
    const requests = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b)).map(async (world) => {
      const [keys, members] = await Promise.all([
        server.gql<ApiKeysData>({ query: API_KEYS, token: world.owner.accessToken }),
        server.gql<MembersData>({ query: MEMBERS, token: world.key.secret }),
      ]);
      return {
        keys: dataOf(keys).apiKeys.map((k) => k.id),
        members: dataOf(members)
          .members.map((m) => m.id)
          .sort(),
        expected: { keys: [world.key.id], members: [world.ownerMembershipId, world.memberMembershipId].sort() },
      };
    });
    for (const result of await Promise.all(requests)) {
      expect({ keys: result.keys, members: result.members }).toEqual(result.expected);
    }
  });

  it("leaves B's data unchanged: B's key still works, its member keeps its role, its invitation is pending", async () => {
    const viaKey = dataOf(await server.gql<MembersData>({ query: MEMBERS, token: b.key.secret })).members;
    expect(viaKey).toEqual(
      expect.arrayContaining([
        { id: b.ownerMembershipId, userId: b.owner.userId, role: 'OWNER' },
        { id: b.memberMembershipId, userId: b.member.userId, role: 'MANAGER' },
      ]),
    );
    expect(viaKey).toHaveLength(2);

    const keys = dataOf(await server.gql<ApiKeysData>({ query: API_KEYS, token: b.owner.accessToken })).apiKeys;
    expect(keys).toEqual([{ id: b.key.id, active: true, revokedAt: null }]);

    const invitations = dataOf(await server.gql<InvitationsData>({ query: INVITATIONS, token: b.owner.accessToken })).invitations;
    expect(invitations).toEqual([{ id: b.invitationId, revokedAt: null, acceptedAt: null }]);

    // B's member still acts in B with its role.
    const memberMe = dataOf(await server.gql<MeData>({ query: ME, token: b.member.accessToken })).me;
    expect(memberMe.activeTenant?.id).toBe(b.owner.tenantId);
    expect(memberMe.role).toBe('MANAGER');

    // And A's owner did not end up in B.
    const ownerMe = dataOf(await server.gql<MeData>({ query: ME, token: a.owner.accessToken })).me;
    expect(ownerMe.memberships.map((m) => m.tenantId)).toEqual([a.owner.tenantId]);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

/** Re-encodes a JWT's payload without re-signing it (the signature part is kept as it was). */
function tamperJwt(token: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const parts = token.split('.');
  const [header, payload, signature] = [parts.at(0), parts.at(1), parts.at(2)];
  if (!header || !payload || signature === undefined) throw new Error('Not a JWT');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const changed = Buffer.from(JSON.stringify(change(claims)), 'utf8').toString('base64url');
  return `${header}.${changed}.${signature}`;
}

describe('layer 1: the tenant comes only from the credential', () => {
  let server: TestServer;
  let a: TenantWorld;
  let b: TenantWorld;

  beforeAll(async () => {
    server = await startTestServer();
    a = await buildTenant(server);
    b = await buildTenant(server);
  });
  afterAll(() => server.close());

  it('ignores an x-tenant-id header and tenantId variables', async () => {
    const token = a.owner.accessToken;
    const headers = { 'x-tenant-id': b.owner.tenantId };
    const variables = { tenantId: b.owner.tenantId };
    const bIds = idsOf(b);

    const members = dataOf(await server.gql<MembersData>({ query: MEMBERS, token, headers, variables })).members;
    expect(members.map((m) => m.id).sort()).toEqual([a.ownerMembershipId, a.memberMembershipId].sort());
    const keys = dataOf(await server.gql<ApiKeysData>({ query: API_KEYS, token, headers, variables })).apiKeys;
    expect(keys.map((k) => k.id)).toEqual([a.key.id]);
    const invitations = dataOf(await server.gql<InvitationsData>({ query: INVITATIONS, token, headers, variables })).invitations;
    expect(invitations.map((i) => i.id)).toEqual([a.invitationId]);
    const me = dataOf(await server.gql<MeData>({ query: ME, token, headers, variables })).me;
    expect(me.activeTenant?.id).toBe(a.owner.tenantId);
    expectMentionsNone([members, keys, invitations, me], bIds);

    // A write with the header lands in A; B's name is untouched.
    const renamed = dataOf(
      await server.gql<{ updateTenant: { id: string; name: string } }>({
        query: UPDATE_TENANT_NAME,
        variables: { name: 'Renamed by A', tenantId: b.owner.tenantId },
        token,
        headers,
      }),
    );
    expect(renamed.updateTenant.id).toBe(a.owner.tenantId);
    const bMe = dataOf(await server.gql<MeData>({ query: ME, token: b.owner.accessToken })).me;
    expect(bMe.activeTenant).toEqual({ id: b.owner.tenantId, name: b.owner.companyName });

    // Asking to log in to a tenant one is not a member of does not open it.
    const loggedIn = dataOf(
      await server.gql<{ logIn: AuthData }>({
        query: LOG_IN,
        variables: { email: a.owner.email, password: STRONG_PASSWORD, tenantId: b.owner.tenantId },
        headers,
      }),
    ).logIn;
    expect(loggedIn.activeTenant?.id).toBe(a.owner.tenantId);
    const afterLogIn = dataOf(await server.gql<MembersData>({ query: MEMBERS, token: loggedIn.accessToken, headers })).members;
    expectMentionsNone(afterLogIn, bIds);
  });

  it('refuses with 401 UNAUTHENTICATED a JWT whose tid claim was changed without re-signing', async () => {
    // Control: re-encoding the untouched claims keeps a valid token, so a refusal below is about the change.
    const reencoded = tamperJwt(a.owner.accessToken, (claims) => claims);
    const control = await server.gql<MeData>({ query: ME, token: reencoded });
    expect(dataOf(control).me.activeTenant?.id).toBe(a.owner.tenantId);

    const forged = tamperJwt(a.owner.accessToken, (claims) => ({ ...claims, tid: b.owner.tenantId }));
    for (const query of [ME, MEMBERS, API_KEYS]) {
      const response = await server.gql({ query, token: forged });
      expect({ status: response.status, code: errorCode(response), data: response.body.data ?? null }).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        data: null,
      });
      expectMentionsNone(response.body, idsOf(b));
    }

    // Nor is an unsigned token ("alg": "none") with B's tid accepted.
    const [, payload] = forged.split('.');
    const unsignedHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' }), 'utf8').toString('base64url');
    const unsigned = await server.gql({ query: MEMBERS, token: `${unsignedHeader}.${payload}.` });
    expect({ status: unsigned.status, code: errorCode(unsigned) }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('honours a validly signed tid only while the user is a member of that tenant', async () => {
    // As if token issuance had a bug: the server's own key signs A's owner's live session with B's tenant.
    const claims = JSON.parse(Buffer.from(a.owner.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as AccessTokenClaims;
    const signed = await server.app.get(JwtService).signAsync({ sub: claims.sub, sid: claims.sid, tid: b.owner.tenantId } satisfies AccessTokenClaims, {
      expiresIn: 300,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      algorithm: 'HS256',
    });
    const me = dataOf(await server.gql<MeData>({ query: ME, token: signed })).me;
    expect(me.activeTenant).toBeNull();
    expect(me.permissions).toEqual([]);
    for (const query of [MEMBERS, API_KEYS, INVITATIONS]) {
      const response = await server.gql({ query, token: signed });
      expectRefused(response, ['FORBIDDEN', 'UNAUTHENTICATED']);
      expectMentionsNone(response.body, idsOf(b));
    }
  });

  it('lets an API key of A see only A, whatever the request says', async () => {
    const headers = { 'x-tenant-id': b.owner.tenantId };
    const members = dataOf(await server.gql<MembersData>({ query: MEMBERS, token: a.key.secret, headers, variables: { tenantId: b.owner.tenantId } })).members;
    expect(members.map((m) => m.id).sort()).toEqual([a.ownerMembershipId, a.memberMembershipId].sort());
    expectMentionsNone(members, idsOf(b));

    // A key cannot move itself to another tenant either.
    const switched = await server.gql({ query: SWITCH_TENANT, variables: { tenantId: b.owner.tenantId }, token: a.key.secret });
    expectRefused(switched, ['FORBIDDEN', 'UNAUTHENTICATED']);
  });

  it("drops a tenant from a user's old access token at the next request once the user is removed from it", async () => {
    // U is an ADMIN of A and a MANAGER of B, and acts in A.
    const u = await addMember(server, a.owner, 'ADMIN');
    const invited = dataOf(
      await server.gql<{ inviteMember: { token: string } }>({
        query: INVITE_MEMBER,
        variables: { email: u.email, role: 'MANAGER' },
        token: b.owner.accessToken,
      }),
    );
    const joined = dataOf(
      await server.gql<{ acceptInvitation: AuthData }>({
        query: ACCEPT_INVITATION,
        variables: { token: invited.inviteMember.token },
        token: u.accessToken,
      }),
    ).acceptInvitation;
    expect(joined.activeTenant?.id).toBe(b.owner.tenantId);
    const inA = dataOf(
      await server.gql<{ switchTenant: AuthData }>({
        query: SWITCH_TENANT,
        variables: { tenantId: a.owner.tenantId },
        token: joined.accessToken,
      }),
    ).switchTenant;
    expect(inA.activeTenant?.id).toBe(a.owner.tenantId);
    const token = inA.accessToken;

    const profileName = async (ownerToken: string) => dataOf(await server.gql<MeData>({ query: ME, token: ownerToken })).me.activeTenant?.name;
    const namesBefore = [await profileName(a.owner.accessToken), await profileName(b.owner.accessToken)];
    const before = dataOf(await server.gql<MembersData>({ query: MEMBERS, token })).members;
    const uInA = before.find((m) => m.userId === u.userId);
    expect(uInA?.role).toBe('ADMIN');
    expect(dataOf(await server.gql<ApiKeysData>({ query: API_KEYS, token })).apiKeys.map((k) => k.id)).toEqual([a.key.id]);

    dataOf(await server.gql({ query: REMOVE_MEMBER, variables: { memberId: uInA?.id }, token: a.owner.accessToken }));

    // The very next request with the same token: no tenant, so nothing tenant-scoped, and certainly not B's data.
    for (const query of [MEMBERS, API_KEYS, INVITATIONS]) {
      const response = await server.gql({ query, token });
      expectRefused(response, ['FORBIDDEN', 'UNAUTHENTICATED']);
      expectMentionsNone(response.body, [...idsOf(a), ...idsOf(b)]);
    }
    const rename = await server.gql({ query: UPDATE_TENANT_NAME, variables: { name: 'Renamed by a removed admin' }, token });
    expectRefused(rename, ['FORBIDDEN', 'UNAUTHENTICATED']);

    const me = dataOf(await server.gql<MeData>({ query: ME, token })).me;
    expect(me.activeTenant).toBeNull();
    expect(me.role).toBeNull();
    expect(me.permissions).toEqual([]);
    expect(me.memberships.map((m) => m.tenantId)).toEqual([b.owner.tenantId]);

    // Nor can the user get back in: not by switching, not by refreshing the session, not by logging in to it.
    const switchBack = await server.gql({ query: SWITCH_TENANT, variables: { tenantId: a.owner.tenantId }, token });
    expect({ code: errorCode(switchBack), data: switchBack.body.data ?? null }).toEqual({ code: 'NOT_FOUND', data: null });
    const refreshed = dataOf(
      await server.gql<{ refreshSession: AuthData }>({ query: REFRESH_SESSION, variables: { refreshToken: inA.refreshToken } }),
    ).refreshSession;
    expect(refreshed.activeTenant?.id).toBe(b.owner.tenantId);
    const loggedIn = dataOf(
      await server.gql<{ logIn: AuthData }>({
        query: LOG_IN,
        variables: { email: u.email, password: STRONG_PASSWORD, tenantId: a.owner.tenantId },
      }),
    ).logIn;
    expect(loggedIn.activeTenant?.id).toBe(b.owner.tenantId);

    // Neither tenant's profile changed.
    expect([await profileName(a.owner.accessToken), await profileName(b.owner.accessToken)]).toEqual(namesBefore);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe('layer 2 alone: the ORM tenant filter, with row-level security letting every row through', () => {
  let server: TestServer;
  let orm: MikroORM;
  let a: SignedUpOwner;
  let b: SignedUpOwner;
  let aKey: { id: string };
  let bKey: { id: string };

  beforeAll(async () => {
    server = await startTestServer();
    orm = server.app.get(MikroORM);
    a = await signUpOwner(server);
    b = await signUpOwner(server);
    aKey = await createApiKey(server, a, [Permission.MEMBERS_READ]);
    bKey = await createApiKey(server, b, [Permission.MEMBERS_READ]);
  });
  afterAll(() => server.close());

  it("scopes reads to the context's tenant although the crm_auth role may read every api_key row", async () => {
    const stored = await keyTenantsByPrivilege();
    expect(stored.get(aKey.id)).toBe(a.tenantId);
    expect(stored.get(bKey.id)).toBe(b.tenantId);

    await RequestContextStore.run(contextOf(a.tenantId), async () => {
      const em = authenticationFork(orm);
      const filtered = await em.find(ApiKey, {});
      expect(filtered.map((k) => k.id)).toContain(aKey.id);
      expect(filtered.map((k) => k.id)).not.toContain(bKey.id);
      expect(new Set(filtered.map((k) => k.tenantId))).toEqual(new Set([a.tenantId]));
      expect(await em.findOne(ApiKey, { id: bKey.id })).toBeNull();
      expect(await em.count(ApiKey, { id: bKey.id })).toBe(0);

      // The same reads with the filter off see B's key: RLS was not what hid it.
      const unfiltered = authenticationFork(orm);
      const all = await unfiltered.find(ApiKey, {}, { filters: { tenant: false } });
      expect(all.map((k) => k.id)).toEqual(expect.arrayContaining([aKey.id, bKey.id]));
      expect(all.map((k) => k.tenantId)).toEqual(expect.arrayContaining([a.tenantId, b.tenantId]));
      expect((await unfiltered.findOne(ApiKey, { id: bKey.id }, { filters: { tenant: false } }))?.tenantId).toBe(b.tenantId);
    });

    await RequestContextStore.run(contextOf(b.tenantId), async () => {
      const keys = await authenticationFork(orm).find(ApiKey, {});
      expect(keys.map((k) => k.id)).toEqual([bKey.id]);
    });
  });

  it("scopes bulk updates to the context's tenant too", async () => {
    // crm_auth may update last_used_at of any key (RLS lets it); only the filter keeps A's context off B's row.
    const stamp = new Date('2030-01-01T00:00:00Z');
    const [before] = await privilegedQuery<{ last_used_at: Date | null }>('select last_used_at from api_key where id = $1', [bKey.id]);
    const updated = await RequestContextStore.run(contextOf(a.tenantId), () =>
      authenticationFork(orm).nativeUpdate(ApiKey, { id: bKey.id }, { lastUsedAt: stamp }),
    );
    expect(updated).toBe(0);
    const [after] = await privilegedQuery<{ last_used_at: Date | null }>('select last_used_at from api_key where id = $1', [bKey.id]);
    expect(after).toEqual(before);

    // Control: the same statement with the filter off reaches B's row.
    const unfiltered = await RequestContextStore.run(contextOf(a.tenantId), () =>
      authenticationFork(orm).nativeUpdate(ApiKey, { id: bKey.id }, { lastUsedAt: stamp }, { filters: { tenant: false } }),
    );
    expect(unfiltered).toBe(1);
  });

  it('keeps concurrent contexts apart', async () => {
    const readAs = (tenantId: string) =>
      RequestContextStore.run(contextOf(tenantId), async () => {
        const em = authenticationFork(orm);
        await new Promise((resolve) => setImmediate(resolve));
        const first = await em.find(ApiKey, {});
        const second = await authenticationFork(orm).find(ApiKey, {});
        return [...first, ...second].map((k) => k.tenantId);
      });
    const results = await Promise.all([readAs(a.tenantId), readAs(b.tenantId), readAs(a.tenantId), readAs(b.tenantId)]);
    expect(results.map((tenants) => [...new Set(tenants)])).toEqual([[a.tenantId], [b.tenantId], [a.tenantId], [b.tenantId]]);
  });

  it('fails closed with no tenant in the context, or no context at all', async () => {
    expect(await authenticationFork(orm).find(ApiKey, {})).toEqual([]);
    await RequestContextStore.run(contextOf(null), async () => {
      expect(await authenticationFork(orm).find(ApiKey, {})).toEqual([]);
      expect(await authenticationFork(orm).count(ApiKey, {})).toBe(0);
    });
  });

  it('fills tenantId from the context on create, without being told', async () => {
    const data = () => ({
      name: 'Created in context',
      displayPrefix: 'pxk_test0000',
      secretHash: `test-${randomUUID()}`,
      scopes: [Permission.MEMBERS_READ],
    });

    RequestContextStore.run(contextOf(a.tenantId), () => {
      expect(authenticationFork(orm).create(ApiKey, data()).tenantId).toBe(a.tenantId);
    });
    RequestContextStore.run(contextOf(b.tenantId), () => {
      expect(authenticationFork(orm).create(ApiKey, data()).tenantId).toBe(b.tenantId);
    });

    // And it is what gets stored (written through A's tenant-scoped session, as a request would).
    const id = await RequestContextStore.run(contextOf(a.tenantId), async () => {
      const em = tenantScopedFork(orm, a.tenantId);
      const key = em.create(ApiKey, data());
      await em.flush();
      return key.id;
    });
    expect((await keyTenantsByPrivilege()).get(id)).toBe(a.tenantId);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe('layer 3 alone: row-level security, with the ORM filter off', () => {
  const NO_FILTER = { filters: { tenant: false } } as const;
  let server: TestServer;
  let orm: MikroORM;
  let a: SignedUpOwner;
  let b: SignedUpOwner;
  let aKey: { id: string };
  let bKey: { id: string };

  beforeAll(async () => {
    server = await startTestServer();
    orm = server.app.get(MikroORM);
    a = await signUpOwner(server);
    b = await signUpOwner(server);
    aKey = await createApiKey(server, a, [Permission.MEMBERS_READ]);
    bKey = await createApiKey(server, b, [Permission.MEMBERS_READ]);
  });
  afterAll(() => server.close());

  /** An INSERT of a whole api_key row; `?` placeholders: id, tenant_id, secret_hash. */
  const INSERT_KEY = `insert into api_key (id, created_at, updated_at, tenant_id, name, display_prefix, secret_hash, scopes)
    values (?, now(), now(), ?, 'Raw insert', 'pxk_raw00000', ?, '{MEMBERS_READ}')`;

  it('has row-level security enabled and forced on api_key, with the tenant policy for crm_app', async () => {
    expect(await rowSecurityOf('api_key')).toEqual({ enabled: true, forced: true });

    const policies = await privilegedQuery<{ policyname: string; roles: string[]; cmd: string; qual: string; with_check: string }>(
      `select policyname, roles::text[] as roles, cmd, qual, with_check from pg_policies where tablename = 'api_key' order by policyname`,
    );
    const isolation = policies.find((p) => p.policyname === 'tenant_isolation');
    expect(isolation).toBeDefined();
    expect(isolation?.cmd).toBe('ALL');
    expect(isolation?.roles).toEqual(['crm_app']);
    for (const expression of [isolation?.qual, isolation?.with_check]) {
      expect(expression).toMatch(/tenant_id = \(?NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)?::uuid/i);
    }
    // crm_app has no other way in.
    expect(policies.filter((p) => p.roles.includes('crm_app')).map((p) => p.policyname)).toEqual(['tenant_isolation']);

    // Every table with a tenant_id column is tenant-owned, and then has row-level security forced with the tenant
    // policy, or belongs to one user (a refresh session names the tenant it acts in; test/account-row-security.e2e-spec.ts).
    // A new tenant-owned table without it fails here.
    const PLATFORM_TABLES = ['refresh_session'];
    const tenantTables = await privilegedQuery<{ table: string; enabled: boolean; forced: boolean; isolated: boolean }>(
      `select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
              exists (select 1 from pg_policies p
                       where p.schemaname = n.nspname and p.tablename = c.relname and p.policyname = 'tenant_isolation'
                         and 'crm_app' = any (p.roles)) as isolated
         from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
         join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
        where n.nspname = current_schema() and c.relkind in ('r', 'p')
        order by c.relname`,
    );
    // The audit trail is append-only: crm_app reads its tenant's rows and appends to its tenant's (or, with no tenant,
    // the platform's) chain, with no update or delete at all (test/audit.e2e-spec.ts).
    const APPEND_ONLY_TABLES = ['audit_entry'];
    // Privacy requests hold a tenant's contacts' requests and, with no tenant, users' own (test/privacy-requests.e2e-spec.ts);
    // their export files likewise (test/privacy-exports.e2e-spec.ts), and the background jobs (test/job-queue.e2e-spec.ts).
    const TENANT_OR_OWN_TABLES = ['data_subject_request', 'privacy_export', 'job'];
    const tenantOwned = tenantTables.filter(
      (t) => !PLATFORM_TABLES.includes(t.table) && !APPEND_ONLY_TABLES.includes(t.table) && !TENANT_OR_OWN_TABLES.includes(t.table),
    );
    for (const table of tenantTables.filter((t) => TENANT_OR_OWN_TABLES.includes(t.table) || PLATFORM_TABLES.includes(t.table))) {
      expect(table).toMatchObject({ enabled: true, forced: true });
    }
    expect(tenantOwned.map((t) => t.table)).toContain('api_key');
    for (const table of tenantOwned) {
      expect(table).toEqual({ table: table.table, enabled: true, forced: true, isolated: true });
    }
    const auditPolicies = await privilegedQuery<{ policyname: string; cmd: string; qual: string | null; with_check: string | null }>(
      `select policyname, cmd, qual, with_check from pg_policies where tablename = 'audit_entry' and 'crm_app' = any (roles) order by policyname`,
    );
    expect(auditPolicies.map((p) => [p.policyname, p.cmd])).toEqual([
      ['tenant_append', 'INSERT'],
      ['tenant_read', 'SELECT'],
    ]);
    // Its own tenant's rows, or platform rows (no tenant) from a session without a tenant.
    expect(auditPolicies[0].with_check).toMatch(
      /^\(*tenant_id = \(?NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)?::uuid\)? OR \(\(tenant_id IS NULL\) AND \(\(?NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)?::uuid IS NULL\)\)\)$/i,
    );
    expect(auditPolicies[1].qual).toMatch(/tenant_id = \(?NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)?::uuid/i);

    // The roles requests run under neither are superusers nor bypass row-level security.
    const roles = await privilegedQuery<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean }>(
      `select rolname, rolsuper, rolbypassrls from pg_roles where rolname in ('crm_app', 'crm_auth') order by rolname`,
    );
    expect(roles).toEqual([
      { rolname: 'crm_app', rolsuper: false, rolbypassrls: false },
      { rolname: 'crm_auth', rolsuper: false, rolbypassrls: false },
    ]);
  });

  it("shows a tenant-scoped session only its tenant's rows, though both tenants have rows", async () => {
    const stored = await keyTenantsByPrivilege();
    expect(stored.get(aKey.id)).toBe(a.tenantId);
    expect(stored.get(bKey.id)).toBe(b.tenantId);
    const aKeyIds = [...stored].filter(([, tenant]) => tenant === a.tenantId).map(([id]) => id);

    const em = tenantScopedFork(orm, a.tenantId);
    const seen = await em.transactional(async (tx) => {
      const [who] = await tx.execute<{ role: string; tenant: string }[]>(`select current_user as role, current_setting('app.tenant_id', true) as tenant`);
      const keys = await tx.find(ApiKey, {}, NO_FILTER);
      const byId = await tx.findOne(ApiKey, { id: bKey.id }, NO_FILTER);
      const count = await tx.count(ApiKey, {}, NO_FILTER);
      return { who, ids: keys.map((k) => k.id), byId, count };
    });
    expect(seen.who).toEqual({ role: 'crm_app', tenant: a.tenantId });
    expect(seen.ids.sort()).toEqual(aKeyIds.sort());
    expect(seen.byId).toBeNull();
    expect(seen.count).toBe(aKeyIds.length);

    // Outside an explicit transaction the session is applied too (an implicit one wraps the statement).
    const implicit = await tenantScopedFork(orm, a.tenantId).find(ApiKey, {}, NO_FILTER);
    expect(implicit.map((k) => k.id).sort()).toEqual(aKeyIds.sort());
  });

  it("returns only the tenant's rows to raw SQL through the fork", async () => {
    const rows = await tenantScopedFork(orm, a.tenantId).transactional((tx) => tx.execute<{ tenant_id: string }[]>('select tenant_id from api_key'));
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([a.tenantId]));

    const implicit = await tenantScopedFork(orm, b.tenantId).execute<{ id: string; tenant_id: string }[]>('select id, tenant_id from api_key');
    expect(implicit).toEqual([{ id: bKey.id, tenant_id: b.tenantId }]);
  });

  it('rejects inserting a row for another tenant (WITH CHECK), through raw SQL and through the ORM', async () => {
    const em = tenantScopedFork(orm, a.tenantId);
    const forB = randomUUID();
    await expect(em.transactional((tx) => tx.execute(INSERT_KEY, [forB, b.tenantId, `raw-${forB}`], 'run'))).rejects.toThrow(/row-level security/);

    const viaOrm = tenantScopedFork(orm, a.tenantId);
    viaOrm.create(ApiKey, {
      tenantId: b.tenantId,
      name: 'ORM insert for B',
      displayPrefix: 'pxk_orm00000',
      secretHash: `orm-${randomUUID()}`,
      scopes: [Permission.MEMBERS_READ],
    });
    await expect(viaOrm.flush()).rejects.toThrow(/row-level security/);

    // Control: the same statement for the session's own tenant is accepted, so the refusal above was the policy's.
    const forA = randomUUID();
    await tenantScopedFork(orm, a.tenantId).transactional((tx) => tx.execute(INSERT_KEY, [forA, a.tenantId, `raw-${forA}`], 'run'));

    const stored = await keyTenantsByPrivilege();
    expect(stored.has(forB)).toBe(false);
    expect(stored.get(forA)).toBe(a.tenantId);
    expect([...stored.values()].filter((tenant) => tenant === b.tenantId)).toHaveLength(1);
  });

  it("updates and deletes none of another tenant's rows, and cannot move its own rows to another tenant", async () => {
    const [before] = await privilegedQuery<{ name: string; revoked_at: Date | null }>('select name, revoked_at from api_key where id = $1', [bKey.id]);

    const affected = await tenantScopedFork(orm, a.tenantId).transactional(async (tx) => {
      const update = await tx.execute<QueryResult>(`update api_key set name = 'Hijacked', revoked_at = now() where id = ?`, [bKey.id], 'run');
      const updateAll = await tx.execute<QueryResult>(`update api_key set name = name where tenant_id = ?`, [b.tenantId], 'run');
      const nativeUpdate = await tx.nativeUpdate(ApiKey, { id: bKey.id }, { name: 'Hijacked' }, NO_FILTER);
      const remove = await tx.execute<QueryResult>('delete from api_key where id = ?', [bKey.id], 'run');
      const nativeDelete = await tx.nativeDelete(ApiKey, { tenantId: b.tenantId }, NO_FILTER);
      return { update: update.affectedRows, updateAll: updateAll.affectedRows, nativeUpdate, remove: remove.affectedRows, nativeDelete };
    });
    expect(affected).toEqual({ update: 0, updateAll: 0, nativeUpdate: 0, remove: 0, nativeDelete: 0 });

    // Control: the same update on its own row affects it.
    const own = await tenantScopedFork(orm, a.tenantId).transactional((tx) =>
      tx.execute<QueryResult>(`update api_key set name = name where id = ?`, [aKey.id], 'run'),
    );
    expect(own.affectedRows).toBe(1);

    // Moving its own row into B is refused by WITH CHECK.
    await expect(
      tenantScopedFork(orm, a.tenantId).transactional((tx) => tx.execute(`update api_key set tenant_id = ? where id = ?`, [b.tenantId, aKey.id], 'run')),
    ).rejects.toThrow(/row-level security/);

    const [after] = await privilegedQuery<{ name: string; revoked_at: Date | null }>('select name, revoked_at from api_key where id = $1', [bKey.id]);
    expect(after).toEqual(before);
    expect((await keyTenantsByPrivilege()).get(aKey.id)).toBe(a.tenantId);
  });

  it('still confines a request whose code forgets the ORM filter to its own tenant', async () => {
    // Simulates a layer-2 bug in a real request: the service reads and writes api_key with the filter off.
    const service = server.app.get(ApiKeyService);
    const em = server.app.get(EntityManager);
    const seen: { role?: string; tenant?: string; revoked?: number } = {};
    const list = jest.spyOn(service, 'list').mockImplementation(async () => {
      const [who] = await em.execute<{ role: string; tenant: string }[]>(`select current_user as role, current_setting('app.tenant_id', true) as tenant`);
      Object.assign(seen, who);
      const keys = await em.find(ApiKey, {}, NO_FILTER);
      return keys.map((key) => ApiKeyType.from(key));
    });
    const revoke = jest.spyOn(service, 'revoke').mockImplementation(async (_ctx, id) => {
      seen.revoked = await em.nativeUpdate(ApiKey, { id }, { revokedAt: new Date() }, NO_FILTER);
      const key = await em.findOne(ApiKey, { id }, NO_FILTER);
      if (!key) throw notFound('API key');
      return ApiKeyType.from(key);
    });
    try {
      const listed = dataOf(await server.gql<ApiKeysData>({ query: API_KEYS, token: b.accessToken })).apiKeys;
      expect(seen).toEqual({ role: 'crm_app', tenant: b.tenantId });
      expect(listed.map((k) => k.id)).toEqual([bKey.id]);
      expect(list).toHaveBeenCalledTimes(1);

      const revoked = await server.gql({ query: REVOKE_API_KEY, variables: { id: aKey.id }, token: b.accessToken });
      expect(revoke).toHaveBeenCalledTimes(1);
      expect({ code: errorCode(revoked), revoked: seen.revoked }).toEqual({ code: 'NOT_FOUND', revoked: 0 });
    } finally {
      list.mockRestore();
      revoke.mockRestore();
    }
    const aRows = await privilegedQuery<{ revoked_at: Date | null }>('select revoked_at from api_key where id = $1', [aKey.id]);
    expect(aRows.at(0)?.revoked_at).toBeNull();
  });

  it('shows nothing and accepts no writes when no tenant is set', async () => {
    const em = tenantScopedFork(orm, null);
    const seen = await em.transactional(async (tx) => ({
      keys: await tx.find(ApiKey, {}, NO_FILTER),
      count: await tx.count(ApiKey, {}, NO_FILTER),
      raw: await tx.execute<{ tenant_id: string }[]>('select tenant_id from api_key'),
    }));
    expect(seen).toEqual({ keys: [], count: 0, raw: [] });
    expect(await tenantScopedFork(orm, null).find(ApiKey, {}, NO_FILTER)).toEqual([]);

    const id = randomUUID();
    await expect(tenantScopedFork(orm, null).transactional((tx) => tx.execute(INSERT_KEY, [id, a.tenantId, `raw-${id}`], 'run'))).rejects.toThrow(
      /row-level security/,
    );
    const deleted = await tenantScopedFork(orm, null).transactional((tx) =>
      tx.execute<QueryResult>('delete from api_key where id in (?, ?)', [aKey.id, bKey.id], 'run'),
    );
    expect(deleted.affectedRows).toBe(0);
    const stored = await keyTenantsByPrivilege();
    expect(stored.has(aKey.id) && stored.has(bKey.id) && !stored.has(id)).toBe(true);
  });
});
