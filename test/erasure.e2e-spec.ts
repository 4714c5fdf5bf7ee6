import { randomUUID } from 'node:crypto';
import { Clock } from '../src/common/time/clock';
import { PrivacyJobRunner } from '../src/privacy/jobs/privacy-job.runner';
import { createClient, createContact, createOrder, signUpOwner, type SignedUpOwner } from './support/fixtures';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { isSuppressed } from './support/suppression';
import { traces } from './support/trace-scan';
import { dataOf, errorCode, startTestServer, type TestServer } from './support/test-server';

interface Request {
  id: string;
  status: string;
  stepsDone: string[];
  lastError: string | null;
  changes: { field: string; value: string | null }[] | null;
  events: { kind: string; note: string | null; step: string | null; fieldChanges: { field: string; old: string | null; new: string | null }[] | null }[];
}

const REQUEST = `id status stepsDone lastError changes { field value } events { kind note step fieldChanges { field old new } }`;
const FILE = `mutation($input: FilePrivacyRequestInput!) { filePrivacyRequest(input: $input) { ${REQUEST} } }`;
const VERIFY = `mutation($input: VerifyPrivacyRequestInput!) { verifyPrivacyRequest(input: $input) { ${REQUEST} } }`;
const ONE = `query($id: ID!) { privacyRequest(id: $id) { ${REQUEST} } }`;
const RECORD_CONSENT = `mutation($input: RecordContactConsentInput!) { recordContactConsent(input: $input) { purposes { purpose granted } } }`;
const CONTACT_CONSENT = `query($contactId: ID!) { contactConsent(contactId: $contactId) { purposes { purpose granted status source } } }`;
const LOG = `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { id } }`;
const ORDER = `query($id: ID!) { order(id: $id) { subtotal contactId } }`;
const VERIFY_CHAIN = `query { verifyAuditChain { valid entriesChecked problem } }`;

/** A database of the suite's own: the job runner takes every due job it finds, and other suites run jobs too. */
let db: IsolatedDatabase;

describe('erasure and objection requests', () => {
  let server: TestServer;
  let owner: SignedUpOwner;
  let runner: PrivacyJobRunner;
  let clock: Clock;
  let clientId: string;

  const gql = async <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => server.gql<T>({ query, variables, token: owner.accessToken });
  const fileAndVerify = async (input: Record<string, unknown>): Promise<Request> => {
    const filed = dataOf(await gql<{ filePrivacyRequest: Request }>(FILE, { input })).filePrivacyRequest;
    return dataOf(await gql<{ verifyPrivacyRequest: Request }>(VERIFY, { input: { id: filed.id, method: 'PHONE_CALLBACK', note: 'Called back on the number on file.' } }))
      .verifyPrivacyRequest;
  };
  const one = async (id: string) => dataOf(await gql<{ privacyRequest: Request }>(ONE, { id })).privacyRequest;
  const logMarketing = (contactId: string, body = 'Spring catalogue') =>
    gql(LOG, { input: { clientId, contactId, channel: 'EMAIL', direction: 'OUTBOUND', body, occurredAt: new Date().toISOString(), marketing: true } });
  const grantEmailMarketing = async (contactId: string) =>
    dataOf(await gql(RECORD_CONSENT, { input: { contactId, source: 'SIGN_UP', choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] } }));
  const suppressed = (identifier: string) => isSuppressed(server, db.query, identifier);

  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startTestServer({ DATABASE_URL: db.url, MAINTENANCE_INTERVAL_MINUTES: '0', PRIVACY_JOB_MAX_ATTEMPTS: '3' });
    runner = server.app.get(PrivacyJobRunner);
    clock = server.app.get(Clock);
    owner = await signUpOwner(server);
    clientId = (await createClient(server, owner)).id;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    runner.stepHook = undefined;
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  describe('erasure of a contact', () => {
    it('leaves no trace of the email, phone or name in any text column, keeps the order and its sums, and the audit chain verifies', async () => {
      const tag = randomUUID().slice(0, 8);
      const person = { firstName: `Zephyrine${tag}`, lastName: `Quillfeather${tag}`, email: `zq.${tag}@erase.example`, phone: `+44 20 7946 ${tag.replace(/\D/g, '').padEnd(4, '7').slice(0, 4)}` };
      const newEmail = `zq.new.${tag}@erase.example`;
      const contact = await createContact(server, owner, clientId, { ...person, title: `Buyer ${tag}`, address: { line1: `1 ${tag} Street`, city: 'London', country: 'GB' } });
      await grantEmailMarketing(contact.id);
      expect(dataOf(await logMarketing(contact.id, `Hello ${person.firstName} ${person.lastName}, our catalogue`))).toBeTruthy();
      const order = await createOrder(server, owner, clientId, { contactId: contact.id });
      const before = dataOf(await gql<{ order: { subtotal: number; contactId: string } }>(ORDER, { id: order.id })).order;

      // A rectification first, so the request history holds the old and new email.
      const rectification = await fileAndVerify({ contactId: contact.id, type: 'RECTIFICATION', changes: { email: newEmail }, note: `Asked by ${person.firstName}` });
      await runner.runDue();
      expect((await one(rectification.id)).events.some((e) => e.fieldChanges?.some((c) => c.old === person.email))).toBe(true);
      const terms = [person.email, newEmail, person.phone, person.firstName, person.lastName];
      expect(await traces(terms, db.query)).not.toEqual([]);

      const erasure = await fileAndVerify({ contactId: contact.id, type: 'ERASURE', note: `${person.firstName} ${person.lastName} phoned from ${person.phone}` });
      await runner.runDue();
      const done = await one(erasure.id);
      expect(done).toMatchObject({ status: 'COMPLETED', lastError: null, stepsDone: ['start', 'suppress', 'business', 'consent', 'accounts', 'audit', 'privacy', 'complete'] });

      expect(await traces(terms, db.query)).toEqual([]);
      // The order stays, with its sums and its link to the (pseudonymised) contact row.
      expect(dataOf(await gql<{ order: { subtotal: number; contactId: string } }>(ORDER, { id: order.id })).order).toEqual(before);
      const [row] = await db.query<{ first_name: string; last_name: string; email: string | null }>(`select first_name, last_name, email from contact where id = $1`, [contact.id]);
      expect(row.first_name).toMatch(/^erased-[0-9a-f]{12}$/);
      expect(row).toMatchObject({ last_name: row.first_name, email: null });
      // The suppression list keeps the address as a hash only, so the person is never marketed to again.
      expect(await suppressed(newEmail)).toBe(true);
      const chain = dataOf(await gql<{ verifyAuditChain: { valid: boolean; problem: string | null } }>(VERIFY_CHAIN)).verifyAuditChain;
      expect(chain).toMatchObject({ valid: true, problem: null });
      const entries = await db.query<{ action: string }>(`select action from audit_entry where target_id = $1 and actor_type = 'SYSTEM'`, [contact.id]);
      expect(entries.map((e) => e.action)).toContain('privacyRequest.erase');
    });

    it('resumes after a failed step without redoing the modules already erased', async () => {
      const contact = await createContact(server, owner, clientId, { email: `resume.${randomUUID().slice(0, 8)}@erase.example` });
      await logMarketing(contact.id, 'Not consented: refused').catch(() => undefined);
      const request = await fileAndVerify({ contactId: contact.id, type: 'ERASURE' });
      runner.stepHook = (step) => {
        if (step === 'consent') throw new Error('Crashed in the consent step.');
      };
      await runner.runDue();
      const failed = await one(request.id);
      expect(failed).toMatchObject({ status: 'IN_PROGRESS', lastError: 'Crashed in the consent step.', stepsDone: ['start', 'suppress', 'business'] });
      runner.stepHook = undefined;
      jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + 60 * 60_000));
      await runner.runDue();
      const done = await one(request.id);
      expect(done.status).toBe('COMPLETED');
      expect(done.events.filter((e) => e.kind === 'STEP_COMPLETED').map((e) => e.step)).toEqual(['suppress', 'business', 'consent', 'accounts', 'audit', 'privacy']);
    });
  });

  describe('objection', () => {
    it('of a contact withdraws every marketing consent, suppresses the address, and marketing is then refused', async () => {
      const email = `object.${randomUUID().slice(0, 8)}@object.example`;
      const contact = await createContact(server, owner, clientId, { email, phone: '+44 20 7946 0101' });
      await grantEmailMarketing(contact.id);
      dataOf(await logMarketing(contact.id));

      const request = await fileAndVerify({ contactId: contact.id, type: 'OBJECTION' });
      await runner.runDue();
      expect(await one(request.id)).toMatchObject({ status: 'COMPLETED', stepsDone: ['start', 'withdraw', 'complete'] });

      const refused = await logMarketing(contact.id);
      expect(errorCode(refused)).toBe('CONSENT_REQUIRED');
      const consent = dataOf(await gql<{ contactConsent: { purposes: { purpose: string; granted: boolean; status: string | null; source: string | null }[] } }>(
        CONTACT_CONSENT,
        { contactId: contact.id },
      )).contactConsent;
      for (const purpose of ['MARKETING_EMAIL', 'MARKETING_SMS', 'PERSONALIZATION']) {
        expect(consent.purposes.find((p) => p.purpose === purpose)).toMatchObject({ granted: false, status: 'WITHDRAWN', source: 'DATA_SUBJECT_REQUEST' });
      }
      expect(await suppressed(email)).toBe(true);
      expect(await suppressed('+442079460101')).toBe(true);
      // The same person entered again as a new contact can not be opted back in.
      const again = await createContact(server, owner, clientId, { email: email.toUpperCase() });
      expect(errorCode(await gql(RECORD_CONSENT, { input: { contactId: again.id, choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] } }))).toBe('CONSENT_SUPPRESSED');
    });

    it('of a user withdraws their own marketing consents and suppresses their email and phone', async () => {
      const user = await signUpOwner(server, { phone: '+1 555 0199' });
      const asUser = async <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
        dataOf(await server.gql<T>({ query, variables, token: user.accessToken }));
      await asUser(`mutation { recordMyConsent(input: {choices: [{purpose: MARKETING_EMAIL, status: GRANTED}, {purpose: ANALYTICS, status: GRANTED}]}) { purposes { purpose } } }`);
      const filed = (await asUser<{ requestMyObjection: Request }>(`mutation { requestMyObjection { ${REQUEST} } }`)).requestMyObjection;
      expect(filed.status).toBe('VERIFIED');
      await runner.runDue();
      const mine = (await asUser<{ myPrivacyRequests: Request[] }>(`query { myPrivacyRequests { ${REQUEST} } }`)).myPrivacyRequests;
      expect(mine.find((r) => r.id === filed.id)).toMatchObject({ status: 'COMPLETED', stepsDone: ['start', 'withdraw', 'complete'] });
      const consent = (await asUser<{ myConsent: { purposes: { purpose: string; granted: boolean; source: string | null }[] } }>(
        `query { myConsent { purposes { purpose granted source } } }`,
      )).myConsent;
      expect(consent.purposes.find((p) => p.purpose === 'MARKETING_EMAIL')).toMatchObject({ granted: false, source: 'DATA_SUBJECT_REQUEST' });
      // Analytics is not marketing: the objection leaves it alone.
      expect(consent.purposes.find((p) => p.purpose === 'ANALYTICS')).toMatchObject({ granted: true });
      expect(await suppressed(user.email.trim().toLowerCase())).toBe(true);
      expect(await suppressed('+15550199')).toBe(true);
    });
  });
});
