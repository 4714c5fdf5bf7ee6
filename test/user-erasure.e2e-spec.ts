import { randomUUID } from 'node:crypto';
import { MikroORM, RequestContext as OrmRequestContext } from '@mikro-orm/core';
import { PLATFORM_CHAIN } from '../src/audit/audit-entry.entity';
import { AuditTrailService } from '../src/audit/audit-trail.service';
import type { TenantContext } from '../src/common/context/request-context';
import { Clock } from '../src/common/time/clock';
import { pseudonymOf } from '../src/privacy/erasure/personal-data-eraser.sql';
import { PrivacyJobRunner } from '../src/privacy/jobs/privacy-job.runner';
import { addMember, createApiKey, createClient, createContact, createOrder, signUpOwner, STRONG_PASSWORD, type SignedUpOwner } from './support/fixtures';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { isSuppressed } from './support/suppression';
import { traces } from './support/trace-scan';
import { dataOf, errorCode, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

const USER_STEPS = ['check', 'suppress', 'mentions', 'business', 'consent', 'audit', 'privacy', 'accounts', 'trail'];
const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

const REQUEST = `id status stepsDone lastError rejectionReason`;
const ERASE_ME = `mutation { requestMyErasure { ${REQUEST} } }`;
const MINE = `query { myPrivacyRequests { ${REQUEST} } }`;
const INVITE = `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken refreshToken user { id } } }`;
const SWITCH = `mutation($input: SwitchTenantInput!) { switchTenant(input: $input) { accessToken } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { accessToken refreshToken } }`;
const REFRESH = `mutation($token: String!) { refreshSession(input: { refreshToken: $token }) { accessToken } }`;
const LOG = `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { id } }`;
const SUPPORT = `mutation($input: CreateSupportRequestInput!) { createSupportRequest(input: $input) { id } }`;
const REPLY = `mutation($input: ReplyToSupportRequestInput!) { replyToSupportRequest(input: $input) { id } }`;
const CONSENT = `mutation($input: RecordMyConsentInput!) { recordMyConsent(input: $input) { __typename } }`;
const USAGE = `mutation($input: RecordUsageInput!) { recordUsage(input: $input) { storedEvents } }`;
const RECTIFY = `mutation($input: RequestMyRectificationInput!) { requestMyRectification(input: $input) { id } }`;
const TRANSITION = `mutation($id: ID!, $to: OrderStatus!) { transitionOrder(id: $id, to: $to) { id } }`;
const ORDER = `query($id: ID!) { order(id: $id) { subtotal status contactId history { toStatus actorUserId } } }`;
const MEMBERS = `query { members { id userId role } }`;
const CLIENTS = `query { clients(first: 5) { totalCount } }`;
const VERIFY_CHAIN = `query { verifyAuditChain { valid entriesChecked problem } }`;

interface Request {
  id: string;
  status: string;
  stepsDone: string[];
  lastError: string | null;
  rejectionReason: string | null;
}

interface Person {
  userId: string;
  email: string;
  fullName: string;
  phone: string;
  /** A session in the first tenant (from accepting its invitation). */
  token: string;
  refreshToken: string;
}

describe("a user's erasure of their own account", () => {
  // A database of its own: the job runner takes due jobs of every tenant, and other suites count theirs.
  let db: IsolatedDatabase;
  let server: TestServer;
  let runner: PrivacyJobRunner;
  let clock: Clock;

  const as = async <T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>) =>
    dataOf(await server.gql<T>({ query, variables, token, headers: { 'user-agent': DESKTOP } }));
  const tag = () => randomUUID().replace(/-/g, '').slice(0, 10);

  /** A new person with a distinctive name, email and phone, who joins `owner`'s tenant with `role` by invitation. */
  async function newPersonIn(owner: { accessToken: string }, role: string): Promise<Person> {
    const t = tag();
    const person = {
      email: `wt.${t}@leaver.example`,
      fullName: `Wilhelmina Thistlewood${t}`,
      phone: `+44 20 7946 ${t.replace(/\D/g, '').padEnd(4, '3').slice(0, 4)}`,
    };
    const { inviteMember } = await as<{ inviteMember: { token: string } }>(owner.accessToken, INVITE, { input: { email: person.email, role } });
    const accepted = await server.gql<{ acceptInvitation: { accessToken: string; refreshToken: string; user: { id: string } } }>({
      query: ACCEPT,
      variables: {
        input: {
          token: inviteMember.token,
          newAccount: { fullName: person.fullName, phone: person.phone, password: STRONG_PASSWORD, confirmAge16OrOlder: true },
        },
      },
      headers: { 'user-agent': DESKTOP },
    });
    const data = dataOf(accepted).acceptInvitation;
    return { ...person, userId: data.user.id, token: data.accessToken, refreshToken: data.refreshToken };
  }

  /** Invites an existing user into `owner`'s tenant and has them accept while signed in. */
  async function join(owner: { accessToken: string }, person: Person, role: string): Promise<void> {
    const { inviteMember } = await as<{ inviteMember: { token: string } }>(owner.accessToken, INVITE, { input: { email: person.email, role } });
    await as(person.token, ACCEPT, { input: { token: inviteMember.token } });
  }

  const mine = async (token: string) => (await as<{ myPrivacyRequests: Request[] }>(token, MINE)).myPrivacyRequests;
  const requestRow = async (id: string) =>
    (
      await db.query<{ status: string; job_steps_done: string[]; last_error: string | null; rejection_reason: string | null }>(
        `select r.status, r.job_steps_done, j.last_error, r.rejection_reason
         from data_subject_request r left join job j on j.kind = 'privacy-request' and j.key = r.id::text where r.id = $1`,
        [id],
      )
    )[0];
  const eventsOf = async (id: string) =>
    db.query<{ kind: string; step: string | null }>(
      `select kind, details->>'step' as step from data_subject_request_event where request_id = $1 order by created_at, id`,
      [id],
    );
  const chainOf = async (token: string) =>
    (await as<{ verifyAuditChain: { valid: boolean; entriesChecked: number; problem: string | null } }>(token, VERIFY_CHAIN)).verifyAuditChain;
  /** The platform chain (entries of no tenant, e.g. sign-ins) is not readable by any tenant: verified with a privileged session. */
  const platformChain = async () => {
    const orm = server.app.get(MikroORM);
    return OrmRequestContext.create(orm.em.fork(), () => server.app.get(AuditTrailService).verify({ tenantId: PLATFORM_CHAIN } as TenantContext));
  };
  const logIn = (email: string, password = STRONG_PASSWORD): Promise<GraphQLResponse> =>
    server.gql({ query: LOG_IN, variables: { input: { email, password } } });
  const suppressed = (identifier: string) => isSuppressed(server, db.query, identifier);

  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startTestServer({ DATABASE_URL: db.url, MAINTENANCE_INTERVAL_MINUTES: '0', PRIVACY_JOB_MAX_ATTEMPTS: '3' });
    runner = server.app.get(PrivacyJobRunner);
    clock = server.app.get(Clock);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    runner.stepHook = undefined;
  });
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  it('erases a member of two tenants everywhere: no trace in any text column, the tenants keep their records, every chain verifies', async () => {
    const ownerA = await signUpOwner(server);
    const ownerB = await signUpOwner(server);
    const ownerC = await signUpOwner(server);
    const user = await newPersonIn(ownerA, 'ADMIN');
    await join(ownerB, user, 'OWNER'); // a co-owner of B: ownerB stays owner, so leaving is allowed
    // A pending invitation to the user's address in a tenant they never joined.
    await as(ownerC.accessToken, INVITE, { input: { email: user.email, role: 'VIEWER' } });
    const tenantB = (await db.query<{ tenant_id: string }>(`select tenant_id from membership where user_id = $1 and role = 'OWNER'`, [user.userId]))[0]
      .tenant_id;
    const tokenB = (await as<{ switchTenant: { accessToken: string } }>(user.token, SWITCH, { input: { tenantId: tenantB } })).switchTenant.accessToken;

    // The phone as people write it in a note, not as it is stored.
    const nationalPhone = user.phone.replace('+44 20', '020');
    // The user's footprint in each tenant: clients, orders and their history, communications, support threads, usage;
    // and the tenant's records that name them (client and order notes, the signature of a communication kept).
    const footprint = async (token: string) => {
      const client = await createClient(server, { accessToken: token }, { ownerUserId: user.userId, notes: `Account manager: ${user.fullName}` });
      const contact = await createContact(server, { accessToken: token }, client.id);
      const order = await createOrder(server, { accessToken: token }, client.id, {
        contactId: contact.id,
        notes: `${user.fullName.split(' ')[0]} delivers in person; questions to ${user.email.toUpperCase()}`,
      });
      await as(token, TRANSITION, { id: order.id, to: 'CONFIRMED' });
      await as(token, LOG, {
        input: {
          clientId: client.id,
          contactId: contact.id,
          channel: 'EMAIL',
          direction: 'OUTBOUND',
          body: `Confirmed the mug artwork.\n-- \n${user.fullName}, ${nationalPhone}`,
          occurredAt: new Date().toISOString(),
        },
      });
      const { createSupportRequest } = await as<{ createSupportRequest: { id: string } }>(token, SUPPORT, {
        input: { subject: `Invoice question from ${user.fullName}`, body: `Please call me on ${user.phone} or write to ${user.email}.` },
      });
      await as(token, REPLY, { input: { id: createSupportRequest.id, body: `${user.fullName} again: any news?` } });
      const now = Date.now();
      await as(token, USAGE, {
        input: { events: [{ kind: 'PAGE_VIEW', name: '/orders', sessionId: `s-${tag()}`, occurredAt: new Date(now - 1000).toISOString() }] },
      });
      return { order, supportRequestId: createSupportRequest.id };
    };
    await as(user.token, CONSENT, {
      input: {
        choices: [
          { purpose: 'ANALYTICS', status: 'GRANTED' },
          { purpose: 'MARKETING_EMAIL', status: 'GRANTED' },
        ],
      },
    });
    const inA = await footprint(user.token);
    const inB = await footprint(tokenB);
    // A tenant the user worked in and then left: their rows there are theirs too, though no membership names it now.
    const ownerD = await signUpOwner(server);
    await join(ownerD, user, 'SALES_REP');
    const tenantD = ownerD.tenantId;
    const tokenD = (await as<{ switchTenant: { accessToken: string } }>(user.token, SWITCH, { input: { tenantId: tenantD } })).switchTenant.accessToken;
    const { createSupportRequest: inD } = await as<{ createSupportRequest: { id: string } }>(tokenD, SUPPORT, {
      input: { subject: `Left soon, ${user.fullName}`, body: `Reach me at ${user.email}.` },
    });
    const [memberD] = (await as<{ members: { id: string; userId: string }[] }>(ownerD.accessToken, MEMBERS)).members.filter((m) => m.userId === user.userId);
    await as(ownerD.accessToken, `mutation($input: MemberIdInput!) { removeMember(input: $input) { id } }`, { input: { memberId: memberD.id } });
    const apiKey = await createApiKey(server, { accessToken: user.token }, ['CLIENTS_READ']);
    // A corrected name and phone: the request's history then holds the old and the new ones.
    const newName = `Mina Thistlewood${tag()}`;
    const newPhone = `+44 161 496 ${tag().replace(/\D/g, '').padEnd(4, '6').slice(0, 4)}`;
    await as(user.token, RECTIFY, { input: { changes: { fullName: newName, phone: newPhone } } });
    await runner.runDue();
    // What a colleague writes later names them by the new name.
    const { createSupportRequest: byOwner } = await as<{ createSupportRequest: { id: string } }>(ownerA.accessToken, SUPPORT, {
      input: { subject: 'Access for a colleague', body: `${newName} can not sign in; call ${newPhone.replace(/ /g, '-')}.` },
    });
    // An export of their data, and a fresh sign-in (a platform audit entry and a refresh session).
    await as(user.token, `mutation { requestMyData { id } }`);
    await runner.runDue();
    const session = dataOf(
      await server.gql<{ logIn: { accessToken: string; refreshToken: string } }>({
        query: LOG_IN,
        variables: { input: { email: user.email, password: STRONG_PASSWORD } },
        headers: { 'user-agent': DESKTOP },
      }),
    ).logIn;

    // A mistyped password: an entry about their account from their device, with no one signed in as its actor.
    expect(
      errorCode(
        await server.gql({
          query: LOG_IN,
          variables: { input: { email: user.email, password: 'not the password at all' } },
          headers: { 'user-agent': DESKTOP },
        }),
      ),
    ).toBe('INVALID_CREDENTIALS');
    const signInAttempts = async () =>
      db.query<{ n: string }>(
        `select count(*) as n from audit_entry where actor_user_id is null and target_type = 'User' and target_id = $1 and (ip is not null or user_agent is not null)`,
        [user.userId],
      );
    expect(await signInAttempts()).toEqual([{ n: '1' }]);
    const [{ phone: storedPhone }] = await db.query<{ phone: string }>(`select phone from "user" where id = $1`, [user.userId]);
    const terms = [user.email, user.fullName, user.fullName.split(' ')[0], newName, storedPhone, user.phone, nationalPhone, newPhone.replace(/ /g, '-')];
    const ordersBefore = await Promise.all([
      as<{ order: unknown }>(ownerA.accessToken, ORDER, { id: inA.order.id }),
      as<{ order: unknown }>(ownerB.accessToken, ORDER, { id: inB.order.id }),
    ]);
    const authored = async () => (await db.query<{ n: string }>(`select count(*) as n from communication where author_user_id = $1`, [user.userId]))[0].n;
    const personalAudit = async () =>
      db.query<{ n: string }>(
        `select count(*) as n from audit_entry where actor_user_id = $1 and (ip is not null or user_agent is not null or browser is not null)`,
        [user.userId],
      );
    // The scan can fail: before erasure it finds the person in several places, and their audit entries carry device data.
    expect((await traces(terms, db.query)).length).toBeGreaterThan(3);
    expect(Number((await personalAudit())[0].n)).toBeGreaterThan(0);
    expect(await authored()).toBe('2');

    const filed = (await as<{ requestMyErasure: Request }>(session.accessToken, ERASE_ME)).requestMyErasure;
    expect(filed.status).toBe('VERIFIED');
    await runner.runDue();

    const request = await requestRow(filed.id);
    expect(request).toMatchObject({ status: 'COMPLETED', last_error: null, job_steps_done: ['start', ...USER_STEPS, 'complete'] });
    // The history stays as the record that the right was honoured.
    const events = await eventsOf(filed.id);
    const kinds = events.map((e) => e.kind);
    expect(kinds[0]).toBe('RECEIVED');
    expect(kinds.slice(-USER_STEPS.length - 2)).toEqual(['STARTED', ...USER_STEPS.map(() => 'STEP_COMPLETED'), 'COMPLETED']);

    // No trace of the person's email, phone or names in any text, json or array column of any table.
    expect(await traces(terms, db.query)).toEqual([]);
    expect(await personalAudit()).toEqual([{ n: '0' }]);
    expect(await signInAttempts()).toEqual([{ n: '0' }]);
    const [row] = await db.query<{ full_name: string; email: string; phone: string | null }>(`select full_name, email, phone from "user" where id = $1`, [
      user.userId,
    ]);
    expect(row).toEqual({ full_name: pseudonymOf(user.userId), email: `${pseudonymOf(user.userId)}@erased.invalid`, phone: null });
    expect(await suppressed(user.email)).toBe(true);
    // The phone they rectified away is suppressed with the current one.
    expect(await suppressed(user.phone)).toBe(true);
    expect(await suppressed(newPhone)).toBe(true);
    // A colleague's thread stays, without the person in it.
    expect(await db.query(`select body from support_request where id = $1`, [byOwner.id])).toEqual([{ body: '[erased] can not sign in; call [erased].' }]);

    // The tenants keep their records: orders with their sums and history, the communications the user wrote, clients.
    expect(await as(ownerA.accessToken, ORDER, { id: inA.order.id })).toEqual(ordersBefore[0]);
    expect(await as(ownerB.accessToken, ORDER, { id: inB.order.id })).toEqual(ordersBefore[1]);
    expect(await authored()).toBe('2');
    expect(await db.query(`select 1 from client where owner_user_id = $1`, [user.userId])).toHaveLength(2);
    const threads = await db.query<{ subject: string; body: string }>(`select subject, body from support_request where id = any($1)`, [
      [inA.supportRequestId, inB.supportRequestId, inD.id],
    ]);
    expect(threads).toEqual([
      { subject: '', body: '' },
      { subject: '', body: '' },
      { subject: '', body: '' },
    ]);
    // Their own data goes: memberships, sessions, usage events, exports, the invitation to their address.
    for (const table of ['membership', 'refresh_session', 'usage_event', 'privacy_export']) {
      const column = table === 'privacy_export' ? 'subject_user_id' : 'user_id';
      expect(await db.query(`select 1 from ${table} where ${column} = $1`, [user.userId])).toEqual([]);
    }
    expect(await db.query(`select 1 from invitation where email = $1`, [user.email])).toEqual([]);

    // Every chain still verifies: both tenants' and the platform's.
    expect(await chainOf(ownerA.accessToken)).toMatchObject({ valid: true, problem: null });
    expect(await chainOf(ownerB.accessToken)).toMatchObject({ valid: true, problem: null });
    expect(await platformChain()).toMatchObject({ valid: true, problem: null });
    expect(
      await db.query(`select 1 from audit_entry where action = 'privacyRequest.erase' and target_id = $1 and tenant_id is null`, [user.userId]),
    ).toHaveLength(1);

    // Signed out everywhere, and no way back in: the old address is unknown, the pseudonym has no known password.
    expect(errorCode(await server.gql({ query: MINE, token: session.accessToken }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await server.gql({ query: REFRESH, variables: { token: session.refreshToken } }))).toBe('INVALID_TOKEN');
    expect(errorCode(await logIn(user.email))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await logIn(`${pseudonymOf(user.userId)}@erased.invalid`))).toBe('INVALID_CREDENTIALS');
    // The API key the user created belongs to the tenant and keeps working.
    expect(await as<{ clients: { totalCount: number } }>(apiKey.secret, CLIENTS)).toEqual({ clients: { totalCount: 1 } });
    // Members of A and B no longer list the user.
    expect((await as<{ members: { userId: string }[] }>(ownerA.accessToken, MEMBERS)).members.map((m) => m.userId)).not.toContain(user.userId);
    expect((await as<{ members: { userId: string }[] }>(ownerB.accessToken, MEMBERS)).members.map((m) => m.userId)).not.toContain(user.userId);
  });

  describe('the last owner of a tenant', () => {
    it('is refused up front, told per tenant whether to hand ownership over or close it; a closed tenant does not block', async () => {
      const owner = await signUpOwner(server);
      const alone = await server.gql({ query: ERASE_ME, token: owner.accessToken });
      expect(errorCode(alone)).toBe('OWNERSHIP_TRANSFER_REQUIRED');
      expect(alone.body.errors?.[0]?.extensions?.tenants).toEqual([{ id: owner.tenantId, name: owner.companyName, resolution: 'CLOSE_TENANT' }]);

      await addMember(server, owner, 'MANAGER');
      const withOthers = await server.gql({ query: ERASE_ME, token: owner.accessToken });
      expect(errorCode(withOthers)).toBe('OWNERSHIP_TRANSFER_REQUIRED');
      expect(withOthers.body.errors?.[0]?.extensions?.tenants).toEqual([{ id: owner.tenantId, name: owner.companyName, resolution: 'TRANSFER_OWNERSHIP' }]);
      expect(withOthers.body.errors?.[0]?.message).toContain(owner.companyName);
      // Refused means nothing was filed.
      expect(await mine(owner.accessToken)).toEqual([]);

      // Once the tenant is closed (closeTenant's effect, set directly here), it needs no owner: the erasure goes ahead.
      await db.query(`update tenant set status = 'CLOSED' where id = $1`, [owner.tenantId]);
      const filed = (await as<{ requestMyErasure: Request }>(owner.accessToken, ERASE_ME)).requestMyErasure;
      expect(filed.status).toBe('VERIFIED');
      await runner.runDue();
      expect(await requestRow(filed.id)).toMatchObject({ status: 'COMPLETED' });
      expect(errorCode(await logIn(owner.email))).toBe('INVALID_CREDENTIALS');
    });

    it('who became the last owner after filing has the request rejected by the job, with nothing erased', async () => {
      const owner = await signUpOwner(server);
      const coOwner = await addMember(server, owner, 'OWNER');
      const filed = (await as<{ requestMyErasure: Request }>(owner.accessToken, ERASE_ME)).requestMyErasure;
      expect(filed.status).toBe('VERIFIED');
      // The co-owner leaves before the job runs.
      const members = (await as<{ members: { id: string; userId: string }[] }>(owner.accessToken, MEMBERS)).members;
      await as(owner.accessToken, `mutation($input: MemberIdInput!) { removeMember(input: $input) { id } }`, {
        input: { memberId: members.find((m) => m.userId === coOwner.userId)?.id },
      });

      await runner.runDue();
      const request = (await mine(owner.accessToken)).find((r) => r.id === filed.id);
      expect(request).toMatchObject({ status: 'REJECTED', stepsDone: ['start'] });
      expect(request?.rejectionReason).toContain(owner.companyName);
      // Nothing was erased: the owner still signs in with their address and is still a member.
      expect(dataOf(await logIn(owner.email))).toBeTruthy();
      expect(await db.query(`select 1 from membership where user_id = $1`, [owner.userId])).toHaveLength(1);
    });

    it('who became the last owner while the job was under way is not removed from the tenant until another owner exists', async () => {
      const owner = await signUpOwner(server);
      const coOwner = await addMember(server, owner, 'OWNER');
      const filed = (await as<{ requestMyErasure: Request }>(owner.accessToken, ERASE_ME)).requestMyErasure;
      runner.stepHook = (step, job) => {
        if (job.id === filed.id && step === 'privacy' && job.attempt === 1) throw new Error('Interrupted.');
      };
      await runner.runDue();
      expect(await requestRow(filed.id)).toMatchObject({
        status: 'IN_PROGRESS',
        job_steps_done: ['start', 'check', 'suppress', 'mentions', 'business', 'consent', 'audit'],
      });

      // Past the check, the co-owner leaves: leaving now would orphan the tenant, so the `accounts` step fails visibly.
      const members = (await as<{ members: { id: string; userId: string }[] }>(owner.accessToken, MEMBERS)).members;
      await as(owner.accessToken, `mutation($input: MemberIdInput!) { removeMember(input: $input) { id } }`, {
        input: { memberId: members.find((m) => m.userId === coOwner.userId)?.id },
      });
      const start = Date.now();
      jest.spyOn(clock, 'now').mockReturnValue(new Date(start + 60 * 60_000));
      await runner.runDue();
      const stuck = await requestRow(filed.id);
      expect(stuck).toMatchObject({
        status: 'IN_PROGRESS',
        job_steps_done: ['start', 'check', 'suppress', 'mentions', 'business', 'consent', 'audit', 'privacy'],
      });
      expect(stuck.last_error).toContain(owner.companyName);
      expect(await db.query(`select role from membership where user_id = $1`, [owner.userId])).toEqual([{ role: 'OWNER' }]);

      // Once someone else owns the tenant, the retry finishes the erasure.
      const successor = await addMember(server, owner, 'OWNER');
      jest.spyOn(clock, 'now').mockReturnValue(new Date(start + 2 * 60 * 60_000));
      await runner.runDue();
      expect(await requestRow(filed.id)).toMatchObject({ status: 'COMPLETED', last_error: null });
      expect(await db.query(`select user_id from membership where tenant_id = $1`, [owner.tenantId])).toEqual([{ user_id: successor.userId }]);
    });
  });

  it('resumes after a crash in the middle and reaches the same end state, each step done once', async () => {
    const owner: SignedUpOwner = await signUpOwner(server);
    const user = await newPersonIn(owner, 'SALES_REP');
    const client = await createClient(server, owner);
    await as(user.token, LOG, {
      input: { clientId: client.id, channel: 'EMAIL', direction: 'OUTBOUND', body: 'Quote sent.', occurredAt: new Date().toISOString() },
    });
    await as(user.token, SUPPORT, { input: { subject: `From ${user.fullName}`, body: `Reach me at ${user.email}` } });
    const terms = [user.email, user.fullName, user.phone];
    const filed = (await as<{ requestMyErasure: Request }>(user.token, ERASE_ME)).requestMyErasure;

    runner.stepHook = (step) => {
      if (step === 'accounts') throw new Error('Crashed while leaving the tenants.');
    };
    await runner.runDue();
    expect(await requestRow(filed.id)).toMatchObject({
      status: 'IN_PROGRESS',
      last_error: 'Crashed while leaving the tenants.',
      job_steps_done: ['start', 'check', 'suppress', 'mentions', 'business', 'consent', 'audit', 'privacy'],
    });
    // The failed step changed nothing: the user is still a member and still signed in.
    expect(await db.query(`select 1 from membership where user_id = $1`, [user.userId])).toHaveLength(1);
    expect(await mine(user.token)).toHaveLength(1);

    runner.stepHook = undefined;
    jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + 60 * 60_000));
    await runner.runDue();
    expect(await requestRow(filed.id)).toMatchObject({ status: 'COMPLETED', job_steps_done: ['start', ...USER_STEPS, 'complete'] });
    const steps = (await eventsOf(filed.id)).filter((e) => e.kind === 'STEP_COMPLETED').map((e) => e.step);
    expect(steps).toEqual(USER_STEPS);
    expect(await traces(terms, db.query)).toEqual([]);
    expect(await db.query(`select 1 from membership where user_id = $1`, [user.userId])).toEqual([]);
    expect(await chainOf(owner.accessToken)).toMatchObject({ valid: true, problem: null });
    expect(errorCode(await logIn(user.email))).toBe('INVALID_CREDENTIALS');
  });
});
