import { expect } from '@jest/globals';
import { Client as PgClient } from 'pg';
import { Clock } from '../src/common/time/clock';
import { JOB_LEASE_MS, PrivacyJobRunner } from '../src/privacy/jobs/privacy-job.runner';
import { addMember, createClient, createContact, signUpOwner, STRONG_PASSWORD, type SignedUpOwner } from './support/fixtures';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { dataOf, errorCode, startTestServer, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

const REQUEST_FIELDS = /* GraphQL */ `
  id type status subjectKind subjectUserId subjectContactId changes { field value }
  receivedAt deadlineRule dueAt originalDueAt overdue extendedAt extensionReason
  verifiedAt verificationMethod verificationNote verifiedByUserId filedByUserId handledByUserId
  rejectionReason closedAt attempts lastError nextAttemptAt stepsDone
  events { kind at fromStatus toStatus actorType actorUserId actorName note step fieldChanges { field old new } }
`;

interface PrivacyRequest {
  id: string;
  type: string;
  status: string;
  subjectKind: string;
  subjectUserId: string | null;
  subjectContactId: string | null;
  changes: { field: string; value: string | null }[];
  receivedAt: string;
  deadlineRule: string;
  dueAt: string;
  originalDueAt: string;
  overdue: boolean;
  extendedAt: string | null;
  extensionReason: string | null;
  verifiedAt: string | null;
  verificationMethod: string | null;
  verificationNote: string | null;
  verifiedByUserId: string | null;
  filedByUserId: string | null;
  handledByUserId: string | null;
  rejectionReason: string | null;
  closedAt: string | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  stepsDone: string[];
  events: {
    kind: string;
    at: string;
    fromStatus: string | null;
    toStatus: string | null;
    actorType: string;
    actorUserId: string | null;
    actorName: string | null;
    note: string | null;
    step: string | null;
    fieldChanges: { field: string; old: string | null; new: string | null }[];
  }[];
}

const REQUEST_MY_DATA = `mutation($input: RequestMyDataInput) { requestMyData(input: $input) { ${REQUEST_FIELDS} } }`;
const REQUEST_MY_ERASURE = `mutation { requestMyErasure { ${REQUEST_FIELDS} } }`;
const REQUEST_MY_OBJECTION = `mutation { requestMyObjection { ${REQUEST_FIELDS} } }`;
const REQUEST_MY_RECTIFICATION = `mutation($input: RequestMyRectificationInput!) { requestMyRectification(input: $input) { ${REQUEST_FIELDS} } }`;
const MY_REQUESTS = `query { myPrivacyRequests { ${REQUEST_FIELDS} } }`;
const FILE = `mutation($input: FilePrivacyRequestInput!) { filePrivacyRequest(input: $input) { ${REQUEST_FIELDS} } }`;
const VERIFY = `mutation($input: VerifyPrivacyRequestInput!) { verifyPrivacyRequest(input: $input) { ${REQUEST_FIELDS} } }`;
const REJECT = `mutation($input: RejectPrivacyRequestInput!) { rejectPrivacyRequest(input: $input) { ${REQUEST_FIELDS} } }`;
const CANCEL = `mutation($input: CancelPrivacyRequestInput!) { cancelPrivacyRequest(input: $input) { ${REQUEST_FIELDS} } }`;
const EXTEND = `mutation($input: ExtendPrivacyRequestDeadlineInput!) { extendPrivacyRequestDeadline(input: $input) { ${REQUEST_FIELDS} } }`;
const ONE = `query($id: ID!) { privacyRequest(id: $id) { ${REQUEST_FIELDS} } }`;
const LIST = `query($filter: PrivacyRequestFilter, $first: Int, $after: String) {
  privacyRequests(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${REQUEST_FIELDS} } } }
}`;
const SETTINGS = `mutation($input: UpdatePrivacySettingsInput!) { updatePrivacySettings(input: $input) { id privacyDeadlineRule } }`;
const VERIFY_CHAIN = `query { verifyAuditChain { valid entriesChecked problem } }`;

const DAY = 24 * 60 * 60 * 1000;

/** Runs one statement on its own connection under `role` with the session settings a request would set. */
async function asRole(
  role: string,
  settings: { tenantId?: string; userId?: string },
  sql: string,
  params: unknown[] = [],
): Promise<{ rows: Record<string, unknown>[] } | { error: string }> {
  const client = new PgClient({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('role', $1, true), set_config('app.tenant_id', $2, true), set_config('app.user_id', $3, true)`, [
      role,
      settings.tenantId ?? '',
      settings.userId ?? '',
    ]);
    try {
      return { rows: (await client.query(sql, params)).rows as Record<string, unknown>[] };
    } catch (error) {
      return { error: (error as Error).message };
    }
  } finally {
    await client.query('rollback').catch(() => undefined);
    await client.end();
  }
}

/** A database of the suite's own: the job runner takes every due job it finds, and other suites run jobs too. */
let db: IsolatedDatabase;

describe('privacy requests', () => {
  let server: TestServer;
  let owner: SignedUpOwner;
  let other: SignedUpOwner;
  let runner: PrivacyJobRunner;
  let clock: Clock;
  let clientId: string;

  const gql = async <T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>) =>
    server.gql<T>({ query, variables, token });
  const file = async (token: string, input: Record<string, unknown>) =>
    dataOf(await gql<{ filePrivacyRequest: PrivacyRequest }>(token, FILE, { input })).filePrivacyRequest;
  const one = async (token: string, id: string) => dataOf(await gql<{ privacyRequest: PrivacyRequest }>(token, ONE, { id })).privacyRequest;
  const verify = async (token: string, id: string) =>
    dataOf(
      await gql<{ verifyPrivacyRequest: PrivacyRequest }>(token, VERIFY, {
        input: { id, method: 'PHONE_CALLBACK', note: 'Called back on the number on file.' },
      }),
    ).verifyPrivacyRequest;
  const newContact = async (input: Record<string, unknown> = {}) => createContact(server, owner, clientId, { email: 'casey@client.example', ...input });
  const contactEmail = async (id: string) =>
    dataOf(
      await gql<{ contact: { email: string | null; firstName: string } }>(owner.accessToken, `query($id: ID!) { contact(id: $id) { email firstName } }`, {
        id,
      }),
    ).contact;
  const at = (ms: number) => jest.spyOn(clock, 'now').mockReturnValue(new Date(ms));

  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startTestServer({ DATABASE_URL: db.url, MAINTENANCE_INTERVAL_MINUTES: '0', PRIVACY_JOB_MAX_ATTEMPTS: '3' });
    runner = server.app.get(PrivacyJobRunner);
    clock = server.app.get(Clock);
    [owner, other] = await Promise.all([signUpOwner(server), signUpOwner(server)]);
    clientId = (await createClient(server, owner)).id;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    runner.stepHook = undefined;
  });
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  describe("users' own requests", () => {
    it('are verified by the session, due in one calendar month, kept out of the tenant, and merged when repeated', async () => {
      const filed = dataOf(await gql<{ requestMyData: PrivacyRequest }>(owner.accessToken, REQUEST_MY_DATA, {})).requestMyData;
      expect(filed).toMatchObject({
        type: 'ACCESS',
        status: 'VERIFIED',
        subjectKind: 'USER',
        subjectUserId: owner.userId,
        subjectContactId: null,
        deadlineRule: 'GDPR_ONE_MONTH',
        verificationMethod: 'SESSION',
        verifiedByUserId: owner.userId,
        overdue: false,
      });
      const received = new Date(filed.receivedAt);
      const due = new Date(received);
      due.setUTCMonth(due.getUTCMonth() + 1);
      if (due.getUTCDate() !== received.getUTCDate()) due.setUTCDate(0);
      expect(filed.dueAt).toBe(due.toISOString());
      expect(filed.events.map((e) => [e.kind, e.fromStatus, e.toStatus, e.actorUserId])).toEqual([
        ['RECEIVED', null, 'RECEIVED', owner.userId],
        ['VERIFIED', 'RECEIVED', 'VERIFIED', owner.userId],
      ]);

      const again = dataOf(await gql<{ requestMyData: PrivacyRequest }>(owner.accessToken, REQUEST_MY_DATA, { input: { type: 'ACCESS' } })).requestMyData;
      expect(again.id).toBe(filed.id);
      expect(again.events.map((e) => e.kind)).toEqual(['RECEIVED', 'VERIFIED', 'MERGED']);
      const portability = dataOf(
        await gql<{ requestMyData: PrivacyRequest }>(owner.accessToken, REQUEST_MY_DATA, { input: { type: 'PORTABILITY' } }),
      ).requestMyData;
      expect(portability.id).not.toBe(filed.id);
      // (Not an erasure: the suite's owner is the only owner of their tenant, and the job would erase them.)
      const objection = dataOf(await gql<{ requestMyObjection: PrivacyRequest }>(owner.accessToken, REQUEST_MY_OBJECTION)).requestMyObjection;
      expect(objection).toMatchObject({ type: 'OBJECTION', status: 'VERIFIED' });

      const mine = dataOf(await gql<{ myPrivacyRequests: PrivacyRequest[] }>(owner.accessToken, MY_REQUESTS)).myPrivacyRequests;
      expect(mine.map((r) => r.id)).toEqual(expect.arrayContaining([filed.id, portability.id, objection.id]));
      // Nobody else sees them: not another user, and not the tenant the user acts in (they are not the tenant's data).
      expect(dataOf(await gql<{ myPrivacyRequests: PrivacyRequest[] }>(other.accessToken, MY_REQUESTS)).myPrivacyRequests).toEqual([]);
      expect(errorCode(await gql(owner.accessToken, ONE, { id: filed.id }))).toBe('NOT_FOUND');
      const listed = dataOf(await gql<{ privacyRequests: { edges: { node: PrivacyRequest }[] } }>(owner.accessToken, LIST, {})).privacyRequests;
      expect(listed.edges.map((e) => e.node.id)).not.toContain(filed.id);
      // Audited on the platform's chain, not in the tenant's trail.
      const entries = await db.query<{ tenant_id: string | null; action: string }>(
        `select tenant_id, action from audit_entry where target_id = $1 order by chain_seq`,
        [filed.id],
      );
      expect(entries).toEqual([
        { tenant_id: null, action: 'privacyRequest.fileACCESS' },
        { tenant_id: null, action: 'privacyRequest.fileACCESS' },
      ]);
    });

    it('refuses a rectification of fields a user does not have, or of nothing, changing nothing', async () => {
      const badField = await gql(other.accessToken, REQUEST_MY_RECTIFICATION, { input: { changes: { email: 'new@example.test' } } });
      expect(errorCode(badField)).toBe('BAD_USER_INPUT');
      expect(errorCode(await gql(other.accessToken, REQUEST_MY_RECTIFICATION, { input: { changes: {} } }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await gql(other.accessToken, REQUEST_MY_RECTIFICATION, { input: { changes: { fullName: null } } }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await gql(other.accessToken, REQUEST_MY_DATA, { input: { type: 'ERASURE' } }))).toBe('BAD_USER_INPUT');
      expect(dataOf(await gql<{ myPrivacyRequests: PrivacyRequest[] }>(other.accessToken, MY_REQUESTS)).myPrivacyRequests).toEqual([]);
    });

    it('applies a rectification of the profile in a background job, with old and new values in its history', async () => {
      const user = await signUpOwner(server, { phone: undefined });
      const filed = dataOf(
        await gql<{ requestMyRectification: PrivacyRequest }>(user.accessToken, REQUEST_MY_RECTIFICATION, {
          input: { changes: { fullName: 'Olive Corrected', phone: '+1 555 0100' } },
        }),
      ).requestMyRectification;
      expect(filed.changes).toEqual([
        { field: 'fullName', value: 'Olive Corrected' },
        { field: 'phone', value: '+1 555 0100' },
      ]);
      await runner.runDue();
      const [done] = dataOf(await gql<{ myPrivacyRequests: PrivacyRequest[] }>(user.accessToken, MY_REQUESTS)).myPrivacyRequests;
      expect(done).toMatchObject({
        id: filed.id,
        status: 'COMPLETED',
        attempts: 1,
        lastError: null,
        nextAttemptAt: null,
        stepsDone: ['start', 'apply', 'complete'],
      });
      expect(done.closedAt).not.toBeNull();
      expect(done.events.map((e) => [e.kind, e.actorType, e.actorName])).toEqual([
        ['RECEIVED', 'USER', null],
        ['VERIFIED', 'USER', null],
        ['STARTED', 'SYSTEM', 'privacy-jobs'],
        ['STEP_COMPLETED', 'SYSTEM', 'privacy-jobs'],
        ['COMPLETED', 'SYSTEM', 'privacy-jobs'],
      ]);
      expect(done.events[3]).toMatchObject({
        step: 'apply',
        fieldChanges: [
          { field: 'fullName', old: 'Olive Owner', new: 'Olive Corrected' },
          { field: 'phone', old: null, new: '+1 555 0100' },
        ],
      });
      const me = dataOf(
        await gql<{ me: { user: { fullName: string; phone: string | null } } }>(user.accessToken, `query { me { user { fullName phone } } }`),
      ).me;
      expect(me.user).toEqual({ fullName: 'Olive Corrected', phone: '+1 555 0100' });
      const entries = await db.query<{ tenant_id: string | null; actor_type: string; actor_name: string | null; action: string; target_type: string }>(
        `select tenant_id, actor_type, actor_name, action, target_type from audit_entry where target_id in ($1, $2) and actor_type = 'SYSTEM' order by chain_seq`,
        [user.userId, filed.id],
      );
      expect(entries).toEqual([
        { tenant_id: null, actor_type: 'SYSTEM', actor_name: 'privacy-jobs', action: 'privacyRequest.rectify:fullName,phone', target_type: 'User' },
        { tenant_id: null, actor_type: 'SYSTEM', actor_name: 'privacy-jobs', action: 'privacyRequest.rectify', target_type: 'PrivacyRequest' },
        { tenant_id: null, actor_type: 'SYSTEM', actor_name: 'privacy-jobs', action: 'privacyRequest.complete', target_type: 'PrivacyRequest' },
      ]);
    });
  });

  describe("contacts' requests", () => {
    it('are filed RECEIVED, verified with the method and who checked, then rectified by the job, all audited', async () => {
      const contact = await newContact();
      const filed = await file(owner.accessToken, {
        contactId: contact.id,
        type: 'RECTIFICATION',
        changes: { email: ' Casey.New@Client.Example ' },
        note: 'Phoned sales.',
      });
      expect(filed).toMatchObject({
        status: 'RECEIVED',
        subjectKind: 'CONTACT',
        subjectContactId: contact.id,
        filedByUserId: owner.userId,
        verifiedAt: null,
        nextAttemptAt: null,
        changes: [{ field: 'email', value: 'casey.new@client.example' }],
      });
      expect(await runner.runDue()).toBe(0);

      expect(errorCode(await gql(owner.accessToken, VERIFY, { input: { id: filed.id, method: 'SESSION', note: 'x' } }))).toBe('BAD_USER_INPUT');
      const verified = await verify(owner.accessToken, filed.id);
      expect(verified).toMatchObject({
        status: 'VERIFIED',
        verificationMethod: 'PHONE_CALLBACK',
        verificationNote: 'Called back on the number on file.',
        verifiedByUserId: owner.userId,
        handledByUserId: owner.userId,
      });
      expect(errorCode(await gql(owner.accessToken, VERIFY, { input: { id: filed.id, method: 'ID_DOCUMENT', note: 'again' } }))).toBe('INVALID_TRANSITION');

      await runner.runDue();
      const done = await one(owner.accessToken, filed.id);
      expect(done.status).toBe('COMPLETED');
      expect(done.events.map((e) => e.kind)).toEqual(['RECEIVED', 'VERIFIED', 'STARTED', 'STEP_COMPLETED', 'COMPLETED']);
      expect(done.events[3].fieldChanges).toEqual([{ field: 'email', old: 'casey@client.example', new: 'casey.new@client.example' }]);
      expect((await contactEmail(contact.id)).email).toBe('casey.new@client.example');
      expect(errorCode(await gql(owner.accessToken, CANCEL, { input: { id: filed.id } }))).toBe('INVALID_TRANSITION');

      const entries = await db.query<{ tenant_id: string; actor_type: string; action: string }>(
        `select tenant_id, actor_type, action from audit_entry where target_id in ($1, $2) order by chain_seq`,
        [contact.id, filed.id],
      );
      expect(entries.map((e) => [e.actor_type, e.action])).toEqual(
        expect.arrayContaining([
          ['USER', 'filePrivacyRequest'],
          ['USER', 'verifyPrivacyRequest'],
          ['SYSTEM', 'privacyRequest.rectify:email'],
          ['SYSTEM', 'privacyRequest.complete'],
        ]),
      );
      expect(new Set(entries.map((e) => e.tenant_id))).toEqual(new Set([owner.tenantId]));
      expect(dataOf(await gql<{ verifyAuditChain: { valid: boolean } }>(owner.accessToken, VERIFY_CHAIN)).verifyAuditChain.valid).toBe(true);
    });

    it('merges a second open request of the same type for the same contact, with its changes', async () => {
      const contact = await newContact();
      const first = await file(owner.accessToken, { contactId: contact.id, type: 'RECTIFICATION', changes: { phone: '+44 20 7946 0000' } });
      const second = await file(owner.accessToken, { contactId: contact.id, type: 'RECTIFICATION', changes: { title: 'Buyer' }, note: 'Emailed again.' });
      expect(second.id).toBe(first.id);
      expect(second.changes).toEqual([
        { field: 'phone', value: '+44 20 7946 0000' },
        { field: 'title', value: 'Buyer' },
      ]);
      expect(second.events.map((e) => [e.kind, e.note])).toEqual([
        ['RECEIVED', null],
        ['MERGED', 'Emailed again.'],
      ]);
      const access = await file(owner.accessToken, { contactId: contact.id, type: 'ACCESS' });
      expect(access.id).not.toBe(first.id);
      // Once closed, a new request of the same type starts afresh.
      dataOf(await gql(owner.accessToken, CANCEL, { input: { id: access.id, reason: 'Withdrawn by phone.' } }));
      expect((await file(owner.accessToken, { contactId: contact.id, type: 'ACCESS' })).id).not.toBe(access.id);
      const listed = dataOf(
        await gql<{ privacyRequests: { totalCount: number; edges: { node: PrivacyRequest }[] } }>(owner.accessToken, LIST, {
          filter: { contactId: contact.id },
        }),
      ).privacyRequests;
      expect(listed.totalCount).toBe(3);
    });

    it('are rejected with a reason or cancelled, and a finished request moves no further', async () => {
      const contact = await newContact();
      const access = await file(owner.accessToken, { contactId: contact.id, type: 'ACCESS' });
      const rejected = dataOf(
        await gql<{ rejectPrivacyRequest: PrivacyRequest }>(owner.accessToken, REJECT, { input: { id: access.id, reason: 'Could not verify identity.' } }),
      ).rejectPrivacyRequest;
      expect(rejected).toMatchObject({ status: 'REJECTED', rejectionReason: 'Could not verify identity.', handledByUserId: owner.userId });
      expect(rejected.closedAt).not.toBeNull();
      expect(rejected.events.at(-1)).toMatchObject({ kind: 'REJECTED', fromStatus: 'RECEIVED', toStatus: 'REJECTED', note: 'Could not verify identity.' });
      expect(errorCode(await gql(owner.accessToken, REJECT, { input: { id: access.id, reason: 'again' } }))).toBe('INVALID_TRANSITION');
      expect(errorCode(await gql(owner.accessToken, REJECT, { input: { id: access.id, reason: '  ' } }))).toBe('BAD_USER_INPUT');
      const erasure = await file(owner.accessToken, { contactId: contact.id, type: 'ERASURE' });
      const cancelled = dataOf(
        await gql<{ cancelPrivacyRequest: PrivacyRequest }>(owner.accessToken, CANCEL, { input: { id: erasure.id } }),
      ).cancelPrivacyRequest;
      expect(cancelled.status).toBe('CANCELLED');
      expect(errorCode(await gql(owner.accessToken, VERIFY, { input: { id: erasure.id, method: 'OTHER', note: 'late' } }))).toBe('INVALID_TRANSITION');
      expect(errorCode(await gql(owner.accessToken, FILE, { input: { contactId: contact.id, type: 'ACCESS', changes: { title: 'x' } } }))).toBe(
        'BAD_USER_INPUT',
      );
      expect(errorCode(await gql(owner.accessToken, FILE, { input: { contactId: contact.id, type: 'RECTIFICATION', changes: { fullName: 'x' } } }))).toBe(
        'BAD_USER_INPUT',
      );
    });

    it("need PRIVACY_MANAGE, and another tenant's requests and contacts read as not found", async () => {
      const contact = await newContact();
      const filed = await file(owner.accessToken, { contactId: contact.id, type: 'ACCESS' });
      const rep = await addMember(server, owner, 'MANAGER');
      expect(errorCode(await gql(rep.accessToken, FILE, { input: { contactId: contact.id, type: 'ACCESS' } }))).toBe('FORBIDDEN');
      expect(errorCode(await gql(rep.accessToken, LIST, {}))).toBe('FORBIDDEN');
      expect(errorCode(await gql(other.accessToken, ONE, { id: filed.id }))).toBe('NOT_FOUND');
      expect(errorCode(await gql(other.accessToken, CANCEL, { input: { id: filed.id } }))).toBe('NOT_FOUND');
      expect(errorCode(await gql(other.accessToken, FILE, { input: { contactId: contact.id, type: 'ACCESS' } }))).toBe('NOT_FOUND');
      expect((await one(owner.accessToken, filed.id)).status).toBe('RECEIVED');
    });
  });

  describe('isolation in the database', () => {
    it("shows a tenant its contacts' requests and a user their own, and nobody else either, whatever the code asks", async () => {
      const contactRequest = await file(owner.accessToken, { contactId: (await newContact()).id, type: 'OBJECTION' });
      const user = await signUpOwner(server);
      const own = dataOf(await gql<{ requestMyObjection: PrivacyRequest }>(user.accessToken, REQUEST_MY_OBJECTION)).requestMyObjection;
      const ids = async (settings: { tenantId?: string; userId?: string }, table = 'data_subject_request', column = 'id') => {
        const result = await asRole('crm_app', settings, `select distinct ${column} as id from ${table}`);
        if ('error' in result) throw new Error(result.error);
        return result.rows.map((r) => r.id);
      };
      const ownerTenant = await ids({ tenantId: owner.tenantId });
      expect(ownerTenant).toContain(contactRequest.id);
      expect(ownerTenant).not.toContain(own.id);
      // The user acting in their own tenant sees their own request and their tenant's, not another tenant's.
      const userSession = await ids({ tenantId: user.tenantId, userId: user.userId });
      expect(userSession).toContain(own.id);
      expect(userSession).not.toContain(contactRequest.id);
      const stranger = await ids({ tenantId: other.tenantId, userId: other.userId });
      expect(stranger).not.toContain(own.id);
      expect(stranger).not.toContain(contactRequest.id);
      expect(await ids({ userId: other.userId })).not.toContain(own.id);
      // The history follows its request.
      const events = await ids({ tenantId: other.tenantId, userId: other.userId }, 'data_subject_request_event', 'request_id');
      expect(events).not.toContain(own.id);
      expect(events).not.toContain(contactRequest.id);
      expect(await ids({ tenantId: owner.tenantId }, 'data_subject_request_event', 'request_id')).toContain(contactRequest.id);
      expect(await ids({ userId: user.userId }, 'data_subject_request_event', 'request_id')).toContain(own.id);
      // A request's job follows it: the user's own request's job is theirs alone.
      expect(await ids({ tenantId: user.tenantId, userId: user.userId }, 'job', 'key')).toContain(own.id);
      expect(await ids({ tenantId: owner.tenantId, userId: owner.userId }, 'job', 'key')).not.toContain(own.id);
      expect(await ids({ tenantId: user.tenantId }, 'job', 'key')).not.toContain(own.id);
      // Requests are the record that a right was honoured: the app can not delete them, and the job runner's role
      // can not change them; it leases their jobs.
      const deleted = await asRole('crm_app', { tenantId: owner.tenantId }, `delete from data_subject_request where id = $1`, [contactRequest.id]);
      expect(deleted).toEqual({ error: expect.stringMatching(/permission denied/) });
      const moved = await asRole('crm_maintenance', {}, `update data_subject_request set status = 'COMPLETED' where id = $1`, [contactRequest.id]);
      expect(moved).toEqual({ error: expect.stringMatching(/permission denied/) });
      const leased = await asRole('crm_maintenance', {}, `update job set locked_until = now() where key = $1 returning key`, [own.id]);
      expect(leased).toEqual({ rows: [{ key: own.id }] });
    });

    it('merges concurrent filings of the same request into one', async () => {
      const contact = await newContact();
      const filed = await Promise.all([1, 2, 3].map(() => file(owner.accessToken, { contactId: contact.id, type: 'ERASURE' })));
      expect(new Set(filed.map((r) => r.id)).size).toBe(1);
      const [request] = await db.query<{ id: string }>(`select id from data_subject_request where subject_contact_id = $1`, [contact.id]);
      const kinds = await db.query<{ kind: string }>(`select kind from data_subject_request_event where request_id = $1 order by created_at, id`, [request.id]);
      expect(kinds.map((k) => k.kind)).toEqual(['RECEIVED', 'MERGED', 'MERGED']);
    });

    it('refuses PromoX staff accounts, whose sessions reach only support tables', async () => {
      const staff = await signUpOwner(server);
      await db.query(`update "user" set platform_role = 'SUPPORT' where id = $1`, [staff.userId]);
      const logIn = await server.gql<{ logIn: { accessToken: string } }>({
        query: `mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }`,
        variables: { input: { email: staff.email, password: STRONG_PASSWORD } },
      });
      const token = dataOf(logIn).logIn.accessToken;
      expect(errorCode(await gql(token, REQUEST_MY_ERASURE))).toBe('FORBIDDEN');
      expect(dataOf(await gql<{ myPrivacyRequests: PrivacyRequest[] }>(token, MY_REQUESTS)).myPrivacyRequests).toEqual([]);
    });
  });

  describe('deadlines', () => {
    it("follow the tenant's rule: CCPA gives 45 days, chosen by owners and admins only", async () => {
      const tenant = await signUpOwner(server);
      const manager = await addMember(server, tenant, 'MANAGER');
      expect(errorCode(await gql(manager.accessToken, SETTINGS, { input: { deadlineRule: 'CCPA_45_DAYS' } }))).toBe('FORBIDDEN');
      const admin = await addMember(server, tenant, 'ADMIN');
      expect(
        dataOf(await gql<{ updatePrivacySettings: { privacyDeadlineRule: string } }>(admin.accessToken, SETTINGS, { input: { deadlineRule: 'CCPA_45_DAYS' } }))
          .updatePrivacySettings.privacyDeadlineRule,
      ).toBe('CCPA_45_DAYS');
      const contact = await createContact(server, tenant, (await createClient(server, tenant)).id);
      const filed = await file(tenant.accessToken, { contactId: contact.id, type: 'ACCESS' });
      expect(filed.deadlineRule).toBe('CCPA_45_DAYS');
      expect(new Date(filed.dueAt).getTime() - new Date(filed.receivedAt).getTime()).toBe(45 * DAY);
      // CCPA extends by at most 45 more days.
      const tooFar = new Date(new Date(filed.originalDueAt).getTime() + 46 * DAY).toISOString();
      expect(errorCode(await gql(tenant.accessToken, EXTEND, { input: { id: filed.id, dueAt: tooFar, reason: 'Complex.' } }))).toBe('BAD_USER_INPUT');
    });

    it('extend once, by up to two further months with a reason, and flag overdue requests', async () => {
      const contact = await newContact();
      const filed = await file(owner.accessToken, { contactId: contact.id, type: 'PORTABILITY' });
      const original = new Date(filed.originalDueAt);
      const latest = new Date(original);
      latest.setUTCMonth(latest.getUTCMonth() + 2);
      if (latest.getUTCDate() !== original.getUTCDate()) latest.setUTCDate(0);
      const extend = (dueAt: Date, reason = 'Many requests at once.') =>
        gql<{ extendPrivacyRequestDeadline: PrivacyRequest }>(owner.accessToken, EXTEND, { input: { id: filed.id, dueAt: dueAt.toISOString(), reason } });
      expect(errorCode(await extend(new Date(latest.getTime() + 1000)))).toBe('BAD_USER_INPUT');
      expect(errorCode(await extend(new Date(original.getTime() - DAY)))).toBe('BAD_USER_INPUT');
      expect(errorCode(await extend(latest, ''))).toBe('BAD_USER_INPUT');
      const extended = dataOf(await extend(latest)).extendPrivacyRequestDeadline;
      expect(extended).toMatchObject({ dueAt: latest.toISOString(), originalDueAt: filed.originalDueAt, extensionReason: 'Many requests at once.' });
      expect(extended.extendedAt).not.toBeNull();
      expect(extended.events.at(-1)).toMatchObject({ kind: 'DEADLINE_EXTENDED', note: 'Many requests at once.' });
      expect(errorCode(await extend(new Date(latest.getTime() - DAY)))).toBe('INVALID_TRANSITION');

      const overdueIds = async (overdue: boolean) =>
        dataOf(
          await gql<{ privacyRequests: { edges: { node: PrivacyRequest }[] } }>(owner.accessToken, LIST, { filter: { overdue, contactId: contact.id } }),
        ).privacyRequests.edges.map((e) => [e.node.id, e.node.overdue]);
      expect(await overdueIds(true)).toEqual([]);
      expect(await overdueIds(false)).toEqual([[filed.id, false]]);
      at(latest.getTime() + 1000);
      expect(await overdueIds(true)).toEqual([[filed.id, true]]);
      expect(await overdueIds(false)).toEqual([]);
    });
  });

  describe('background jobs', () => {
    it('resume after a failed step without repeating the steps that committed, with the error and attempts visible', async () => {
      const contact = await newContact({ firstName: 'Robin' });
      const filed = await file(owner.accessToken, { contactId: contact.id, type: 'RECTIFICATION', changes: { firstName: 'Robyn' } });
      await verify(owner.accessToken, filed.id);
      const now = Date.now();
      at(now);
      runner.stepHook = (step, job) => {
        if (job.id === filed.id && step === 'apply' && job.attempt === 1) throw new Error('Simulated crash while applying.');
      };
      await runner.runDue();
      const failed = await one(owner.accessToken, filed.id);
      expect(failed).toMatchObject({ status: 'IN_PROGRESS', attempts: 1, lastError: 'Simulated crash while applying.', stepsDone: ['start'] });
      expect(new Date(failed.nextAttemptAt ?? 0).getTime()).toBe(now + 30_000);
      expect(failed.events.at(-1)).toMatchObject({ kind: 'ATTEMPT_FAILED', step: 'apply', note: 'Simulated crash while applying.' });
      // The failed step's change was rolled back with it.
      expect((await contactEmail(contact.id)).firstName).toBe('Robin');
      const listed = dataOf(
        await gql<{ privacyRequests: { edges: { node: PrivacyRequest }[] } }>(owner.accessToken, LIST, {
          filter: { contactId: contact.id, status: 'IN_PROGRESS' },
        }),
      ).privacyRequests.edges.map((e) => e.node);
      expect(listed).toEqual([expect.objectContaining({ id: filed.id, attempts: 1, lastError: 'Simulated crash while applying.' })]);

      expect(await runner.runDue()).toBe(0);
      at(now + 30_001);
      await runner.runDue();
      const done = await one(owner.accessToken, filed.id);
      expect(done).toMatchObject({ status: 'COMPLETED', attempts: 2, lastError: null, stepsDone: ['start', 'apply', 'complete'] });
      expect(done.events.map((e) => e.kind)).toEqual(['RECEIVED', 'VERIFIED', 'STARTED', 'ATTEMPT_FAILED', 'STEP_COMPLETED', 'COMPLETED']);
      expect((await contactEmail(contact.id)).firstName).toBe('Robyn');
    });

    it('are taken over by another runner when the one that claimed them dies, once its lease runs out', async () => {
      const contact = await newContact();
      const filed = await file(owner.accessToken, { contactId: contact.id, type: 'RECTIFICATION', changes: { title: 'Head of Purchasing' } });
      await verify(owner.accessToken, filed.id);
      const now = Date.now() + 1000;
      at(now);
      const claimed = await runner.claim();
      expect(claimed).toMatchObject({ id: filed.id, tenantId: owner.tenantId, attempt: 1 });
      // The claiming runner "crashes" here: the job stays leased, so nobody else runs it meanwhile.
      expect(await runner.runDue()).toBe(0);
      at(now + JOB_LEASE_MS + 1);
      expect(await runner.runDue()).toBe(1);
      expect(await one(owner.accessToken, filed.id)).toMatchObject({ status: 'COMPLETED', attempts: 2 });
    });

    it('give up after PRIVACY_JOB_MAX_ATTEMPTS, and reject a rectification whose contact is gone', async () => {
      const contact = await newContact();
      const filed = await file(owner.accessToken, { contactId: contact.id, type: 'RECTIFICATION', changes: { title: 'CEO' } });
      await verify(owner.accessToken, filed.id);
      runner.stepHook = (step, job) => {
        if (job.id === filed.id && step === 'apply') throw new Error('Still failing.');
      };
      let now = Date.now() + 2000;
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        at(now);
        await runner.runDue();
        now += 2 * 60 * 60 * 1000;
      }
      const stopped = await one(owner.accessToken, filed.id);
      expect(stopped).toMatchObject({ status: 'IN_PROGRESS', attempts: 3, lastError: 'Still failing.', nextAttemptAt: null });
      expect(stopped.events.at(-1)?.kind).toBe('GAVE_UP');
      at(now);
      expect(await runner.runDue()).toBe(0);

      // A person fixes the cause and retries: the job runs again with a fresh count of attempts.
      const RETRY = `mutation($input: RetryPrivacyRequestInput!) { retryPrivacyRequest(input: $input) { id status attempts nextAttemptAt events { kind note } } }`;
      runner.stepHook = undefined;
      const retried = dataOf(
        await gql<{ retryPrivacyRequest: PrivacyRequest }>(owner.accessToken, RETRY, { input: { id: filed.id, note: 'Fixed the mapping.' } }),
      ).retryPrivacyRequest;
      expect(retried).toMatchObject({ status: 'IN_PROGRESS', attempts: 0 });
      expect(retried.events.at(-1)).toMatchObject({ kind: 'RETRIED', note: 'Fixed the mapping.' });
      expect(errorCode(await gql(owner.accessToken, RETRY, { input: { id: filed.id } }))).toBe('INVALID_TRANSITION');
      await runner.runDue();
      expect(await one(owner.accessToken, filed.id)).toMatchObject({ status: 'COMPLETED', attempts: 1, lastError: null });

      runner.stepHook = undefined;
      const gone = await newContact();
      const orphan = await file(owner.accessToken, { contactId: gone.id, type: 'RECTIFICATION', changes: { title: 'CFO' } });
      await verify(owner.accessToken, orphan.id);
      dataOf(await gql(owner.accessToken, `mutation($id: ID!) { deleteContact(input: { id: $id }) { id } }`, { id: gone.id }));
      await runner.runDue();
      expect(await one(owner.accessToken, orphan.id)).toMatchObject({
        status: 'REJECTED',
        rejectionReason: "The person's record no longer exists, so there is nothing to correct.",
      });
    });
  });
});
