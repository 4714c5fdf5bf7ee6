import { addMember, signUpOwner, STRONG_PASSWORD, uniqueEmail } from './support/fixtures';
import { errorCode, startTestServer, type TestServer, partialDataOf, errorsOf } from './support/test-server';
import { required } from './support/required';

const MEMBERS = `{ members { id userId fullName email phone role } }`;
const INVITE = `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token invitation { id email role expiresAt } } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken activeTenant { id } } }`;
const CHANGE_ROLE = `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { id role } }`;
const REMOVE = `mutation($input: MemberIdInput!) { removeMember(input: $input) { id } }`;
const ME = `{ me { role permissions activeTenant { id } memberships { tenantId role } } }`;
const SWITCH = `mutation($id: ID!) { switchTenant(input: { tenantId: $id }) { accessToken refreshToken activeTenant { id } } }`;

interface MemberRow {
  id: string;
  userId: string;
  fullName: string;
  email: string | null;
  phone: string | null;
  role: string;
}

describe('members, invitations and roles', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const members = async (token: string) => partialDataOf(await server.gql<{ members: MemberRow[] }>({ query: MEMBERS, token })).members;

  it('invites a new person who accepts with a new account and acts in the tenant with their role', async () => {
    const owner = await signUpOwner(server);
    const rep = await addMember(server, owner, 'SALES_REP');
    const me = await server.gql<{ me: { role: string; permissions: string[]; activeTenant: { id: string } } }>({ query: ME, token: rep.accessToken });
    expect(partialDataOf(me).me.role).toBe('SALES_REP');
    expect(partialDataOf(me).me.activeTenant.id).toBe(owner.tenantId);
    expect(partialDataOf(me).me.permissions).not.toContain('FINANCIALS_READ');
    expect((await members(owner.accessToken)).map((m) => m.role).sort()).toEqual(['OWNER', 'SALES_REP']);
  });

  it('lets an existing user accept while signed in, and then switch between tenants', async () => {
    const owner = await signUpOwner(server);
    const other = await signUpOwner(server);
    const invited = await server.gql<{ inviteMember: { token: string } }>({
      query: INVITE,
      variables: { input: { email: other.email, role: 'MANAGER' } },
      token: owner.accessToken,
    });
    const token = partialDataOf(invited).inviteMember.token;
    // Not signed in: an existing account must log in first.
    expect(errorCode(await server.gql({ query: ACCEPT, variables: { input: { token } } }))).toBe('UNAUTHENTICATED');
    const accepted = await server.gql<{ acceptInvitation: { accessToken: string; activeTenant: { id: string } } }>({
      query: ACCEPT,
      variables: { input: { token } },
      token: other.accessToken,
    });
    expect(partialDataOf(accepted).acceptInvitation.activeTenant.id).toBe(owner.tenantId);
    // The token works once.
    expect(errorCode(await server.gql({ query: ACCEPT, variables: { input: { token } }, token: other.accessToken }))).toBe('INVALID_TOKEN');

    const switched = await server.gql<{ switchTenant: { accessToken: string; activeTenant: { id: string } } }>({
      query: SWITCH,
      variables: { id: other.tenantId },
      token: partialDataOf(accepted).acceptInvitation.accessToken,
    });
    expect(partialDataOf(switched).switchTenant.activeTenant.id).toBe(other.tenantId);
    const me = await server.gql<{ me: { role: string; memberships: { tenantId: string; role: string }[] } }>({
      query: ME,
      token: partialDataOf(switched).switchTenant.accessToken,
    });
    expect(partialDataOf(me).me.role).toBe('OWNER');
    expect(partialDataOf(me).me.memberships).toHaveLength(2);
  });

  it('refuses an invitation for another address, an expired or revoked one', async () => {
    const owner = await signUpOwner(server);
    const stranger = await signUpOwner(server);
    const invited = await server.gql<{ inviteMember: { token: string; invitation: { id: string } } }>({
      query: INVITE,
      variables: { input: { email: uniqueEmail('someone'), role: 'VIEWER' } },
      token: owner.accessToken,
    });
    const { token, invitation } = partialDataOf(invited).inviteMember;
    expect(errorCode(await server.gql({ query: ACCEPT, variables: { input: { token } }, token: stranger.accessToken }))).toBe('FORBIDDEN');
    const revoked = await server.gql({
      query: `mutation($id: ID!) { revokeInvitation(input: { id: $id }) { revokedAt } }`,
      variables: { id: invitation.id },
      token: owner.accessToken,
    });
    expect(revoked.body.errors).toBeUndefined();
    const newAccount = { fullName: 'Late Comer', password: STRONG_PASSWORD, confirmAge16OrOlder: true };
    expect(errorCode(await server.gql({ query: ACCEPT, variables: { input: { token, newAccount } } }))).toBe('INVALID_TOKEN');
    const pending = await server.gql<{ invitations: unknown[] }>({ query: `{ invitations { id } }`, token: owner.accessToken });
    expect(partialDataOf(pending).invitations).toEqual([]);
  });

  it('expires invitations after INVITATION_TTL_HOURS', async () => {
    const owner = await signUpOwner(server);
    const invited = await server.gql<{ inviteMember: { token: string; invitation: { expiresAt: string } } }>({
      query: INVITE,
      variables: { input: { email: uniqueEmail('late'), role: 'VIEWER' } },
      token: owner.accessToken,
    });
    const expiresAt = new Date(partialDataOf(invited).inviteMember.invitation.expiresAt).getTime();
    expect(expiresAt - Date.now()).toBeGreaterThan(167 * 3_600_000);
    const realNow = Date.now;
    const RealDate = Date;
    try {
      const later = realNow() + 169 * 3_600_000;
      // Move the server's clock past the expiry for this one request.
      global.Date = class extends RealDate {
        constructor(value?: string | number | Date) {
          super(value ?? later);
        }
        static override now() {
          return later;
        }
      } as DateConstructor;
      const newAccount = { fullName: 'Late Comer', password: STRONG_PASSWORD, confirmAge16OrOlder: true };
      const response = await server.gql({ query: ACCEPT, variables: { input: { token: partialDataOf(invited).inviteMember.token, newAccount } } });
      expect(errorCode(response)).toBe('INVALID_TOKEN');
    } finally {
      global.Date = RealDate;
    }
  });

  it('changes roles, keeps the last owner, and lets only owners touch the owner role', async () => {
    const owner = await signUpOwner(server);
    const admin = await addMember(server, owner, 'ADMIN');
    const list = await members(owner.accessToken);
    const ownerRow = required(
      list.find((m) => m.role === 'OWNER'),
      'the owner',
    );
    const adminRow = required(
      list.find((m) => m.role === 'ADMIN'),
      'the admin',
    );

    // The last owner can be neither demoted nor removed.
    expect(errorCode(await server.gql({ query: CHANGE_ROLE, variables: { input: { memberId: ownerRow.id, role: 'ADMIN' } }, token: owner.accessToken }))).toBe(
      'LAST_OWNER',
    );
    expect(errorCode(await server.gql({ query: REMOVE, variables: { input: { memberId: ownerRow.id } }, token: owner.accessToken }))).toBe('LAST_OWNER');
    // An admin can manage members but not grant ownership or touch an owner.
    expect(errorCode(await server.gql({ query: CHANGE_ROLE, variables: { input: { memberId: adminRow.id, role: 'OWNER' } }, token: admin.accessToken }))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await server.gql({ query: REMOVE, variables: { input: { memberId: ownerRow.id } }, token: admin.accessToken }))).toBe('FORBIDDEN');

    // With a second owner, the first may step down.
    const promoted = await server.gql<{ changeMemberRole: { role: string } }>({
      query: CHANGE_ROLE,
      variables: { input: { memberId: adminRow.id, role: 'OWNER' } },
      token: owner.accessToken,
    });
    expect(partialDataOf(promoted).changeMemberRole.role).toBe('OWNER');
    const demoted = await server.gql<{ changeMemberRole: { role: string } }>({
      query: CHANGE_ROLE,
      variables: { input: { memberId: ownerRow.id, role: 'VIEWER' } },
      token: owner.accessToken,
    });
    expect(partialDataOf(demoted).changeMemberRole.role).toBe('VIEWER');
    // The demotion applies to the next request of the old token at once.
    expect(errorCode(await server.gql({ query: INVITE, variables: { input: { email: uniqueEmail('x'), role: 'VIEWER' } }, token: owner.accessToken }))).toBe(
      'FORBIDDEN',
    );
  });

  it('never leaves a tenant without an owner when two owners demote each other at once', async () => {
    const owner = await signUpOwner(server);
    const second = await addMember(server, owner, 'VIEWER');
    const rows = await members(owner.accessToken);
    const secondRow = required(
      rows.find((m) => m.userId === second.userId),
      'the second member',
    );
    await server.gql({ query: CHANGE_ROLE, variables: { input: { memberId: secondRow.id, role: 'OWNER' } }, token: owner.accessToken });
    const ownerRow = required(
      rows.find((m) => m.role === 'OWNER'),
      'the owner',
    );
    const [a, b] = await Promise.all([
      server.gql({ query: CHANGE_ROLE, variables: { input: { memberId: ownerRow.id, role: 'ADMIN' } }, token: second.accessToken }),
      server.gql({ query: CHANGE_ROLE, variables: { input: { memberId: secondRow.id, role: 'ADMIN' } }, token: owner.accessToken }),
    ]);
    const after = await members(owner.accessToken).catch(() => members(second.accessToken));
    expect(after.filter((m) => m.role === 'OWNER').length).toBeGreaterThanOrEqual(1);
    expect([errorCode(a), errorCode(b)].filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });

  it('removes a member, whose access ends with their next request', async () => {
    const owner = await signUpOwner(server);
    const viewer = await addMember(server, owner, 'VIEWER');
    const row = required(
      (await members(owner.accessToken)).find((m) => m.userId === viewer.userId),
      'the viewer',
    );
    const removed = await server.gql<{ removeMember: { id: string } }>({ query: REMOVE, variables: { input: { memberId: row.id } }, token: owner.accessToken });
    expect(partialDataOf(removed).removeMember.id).toBe(row.id);
    const afterwards = await server.gql({ query: MEMBERS, token: viewer.accessToken });
    expect(errorCode(afterwards)).toBe('FORBIDDEN');
    const me = await server.gql<{ me: { activeTenant: null; memberships: unknown[] } }>({ query: ME, token: viewer.accessToken });
    expect(partialDataOf(me).me.activeTenant).toBeNull();
    expect(partialDataOf(me).me.memberships).toEqual([]);
  });

  it("hides members' email and phone from a reader without PII_READ, and nothing else", async () => {
    const owner = await signUpOwner(server, { phone: '+1 555 0100' });
    const viewer = await addMember(server, owner, 'VIEWER');
    const response = await server.gql<{ members: MemberRow[] }>({ query: MEMBERS, token: viewer.accessToken });
    expect(response.status).toBe(200);
    const rows = partialDataOf(response).members;
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.email).toBeNull();
      expect(row.phone).toBeNull();
      expect(row.fullName).toBeTruthy();
    }
    const forbidden = errorsOf(response);
    expect(forbidden).toHaveLength(4);
    expect(forbidden.every((e) => e.extensions?.code === 'FORBIDDEN_FIELD')).toBe(true);
    expect(forbidden.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        ['members', 0, 'email'],
        ['members', 0, 'phone'],
        ['members', 1, 'email'],
      ]),
    );
    // The owner (PII_READ) sees them.
    const full = await members(owner.accessToken);
    expect(full.find((m) => m.role === 'OWNER')?.email).toBe(owner.email);
    expect(full.find((m) => m.role === 'OWNER')?.phone).toBe('+1 555 0100');
  });

  it("hides the tenant's billing email without BILLING_READ, and needs BILLING_MANAGE to change it", async () => {
    const owner = await signUpOwner(server);
    const admin = await addMember(server, owner, 'ADMIN');
    const manager = await addMember(server, owner, 'MANAGER');
    const update = `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { name billingEmail } }`;
    const set = await server.gql<{ updateTenant: { billingEmail: string } }>({
      query: update,
      variables: { input: { billingEmail: 'Invoices@Acme.test' } },
      token: owner.accessToken,
    });
    expect(partialDataOf(set).updateTenant.billingEmail).toBe('invoices@acme.test');
    // ADMIN has TENANT_MANAGE and BILLING_READ but not BILLING_MANAGE.
    const refused = await server.gql({ query: update, variables: { input: { billingEmail: 'x@evil.test', name: 'Renamed' } }, token: admin.accessToken });
    expect(errorCode(refused)).toBe('FORBIDDEN_FIELD');
    const query = `{ me { activeTenant { name billingEmail } } }`;
    const asAdmin = await server.gql<{ me: { activeTenant: { name: string; billingEmail: string } } }>({ query, token: admin.accessToken });
    expect(partialDataOf(asAdmin).me.activeTenant).toEqual({ name: owner.companyName, billingEmail: 'invoices@acme.test' });
    const asManager = await server.gql<{ me: { activeTenant: { name: string; billingEmail: string | null } } }>({ query, token: manager.accessToken });
    expect(partialDataOf(asManager).me.activeTenant).toEqual({ name: owner.companyName, billingEmail: null });
    expect(errorsOf(asManager)[0]).toMatchObject({ path: ['me', 'activeTenant', 'billingEmail'], extensions: { code: 'FORBIDDEN_FIELD' } });
  });

  it('refuses member management to roles without MEMBERS_MANAGE', async () => {
    const owner = await signUpOwner(server);
    const rep = await addMember(server, owner, 'SALES_REP');
    const response = await server.gql({ query: INVITE, variables: { input: { email: uniqueEmail('x'), role: 'VIEWER' } }, token: rep.accessToken });
    expect(errorCode(response)).toBe('FORBIDDEN');
    expect(errorsOf(response)[0].extensions?.missingPermissions).toEqual(['MEMBERS_MANAGE']);
  });
});
