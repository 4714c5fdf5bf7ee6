import { randomUUID } from 'node:crypto';
import { Clock } from '../src/common/time/clock';
import { PrivacyJobRunner } from '../src/privacy/jobs/privacy-job.runner';
import { createClient, createContact, createOrder, MUG_LINE, signUpOwner, type SignedUpOwner } from './support/fixtures';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { isSuppressed } from './support/suppression';
import { traces } from './support/trace-scan';
import { dataOf, errorCode, startTestServer, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

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
const REJECT = `mutation($input: RejectPrivacyRequestInput!) { rejectPrivacyRequest(input: $input) { status } }`;
const SUPPORT = `mutation($input: CreateSupportRequestInput!) { createSupportRequest(input: $input) { id } }`;
const REPLY = `mutation($input: ReplyToSupportRequestInput!) { replyToSupportRequest(input: $input) { id } }`;
const ERASE_STEPS = ['start', 'suppress', 'mentions', 'business', 'consent', 'accounts', 'audit', 'privacy', 'complete'];

/** A database of the suite's own: the job runner takes every due job it finds, and other suites run jobs too. */
let db: IsolatedDatabase;

describe('erasure and objection requests', () => {
  let server: TestServer;
  let owner: SignedUpOwner;
  let runner: PrivacyJobRunner;
  let clock: Clock;
  let clientId: string;

  const gql = async <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
    server.gql<T>({ query, variables, token: owner.accessToken });
  const fileAndVerify = async (input: Record<string, unknown>): Promise<Request> => {
    const filed = dataOf(await gql<{ filePrivacyRequest: Request }>(FILE, { input })).filePrivacyRequest;
    return dataOf(
      await gql<{ verifyPrivacyRequest: Request }>(VERIFY, { input: { id: filed.id, method: 'PHONE_CALLBACK', note: 'Called back on the number on file.' } }),
    ).verifyPrivacyRequest;
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
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  describe('erasure of a contact', () => {
    it('leaves no trace of the email, phone or name in any text column, keeps the order and its sums, and the audit chain verifies', async () => {
      const tag = randomUUID().slice(0, 8);
      const person = {
        firstName: `Zephyrine${tag}`,
        lastName: `Quillfeather${tag}`,
        email: `zq.${tag}@erase.example`,
        phone: `+44 20 7946 ${tag.replace(/\D/g, '').padEnd(4, '7').slice(0, 4)}`,
      };
      const newEmail = `zq.new.${tag}@erase.example`;
      const contact = await createContact(server, owner, clientId, {
        ...person,
        title: `Buyer ${tag}`,
        address: { line1: `1 ${tag} Street`, city: 'London', country: 'GB' },
      });
      await grantEmailMarketing(contact.id);
      expect(dataOf(await logMarketing(contact.id, `Hello ${person.firstName} ${person.lastName}, our catalogue`))).toBeTruthy();
      const order = await createOrder(server, owner, clientId, { contactId: contact.id });
      const before = dataOf(await gql<{ order: { subtotal: number; contactId: string } }>(ORDER, { id: order.id })).order;

      // A rectification first, so the request history holds the old and new email.
      const rectification = await fileAndVerify({
        contactId: contact.id,
        type: 'RECTIFICATION',
        changes: { email: newEmail },
        note: `Asked by ${person.firstName}`,
      });
      await runner.runDue();
      expect((await one(rectification.id)).events.some((e) => e.fieldChanges?.some((c) => c.old === person.email))).toBe(true);
      const terms = [person.email, newEmail, person.phone, person.firstName, person.lastName];
      expect(await traces(terms, db.query)).not.toEqual([]);

      const erasure = await fileAndVerify({
        contactId: contact.id,
        type: 'ERASURE',
        note: `${person.firstName} ${person.lastName} phoned from ${person.phone}`,
      });
      await runner.runDue();
      const done = await one(erasure.id);
      expect(done).toMatchObject({ status: 'COMPLETED', lastError: null, stepsDone: ERASE_STEPS });

      expect(await traces(terms, db.query)).toEqual([]);
      // The order stays, with its sums and its link to the (pseudonymised) contact row.
      expect(dataOf(await gql<{ order: { subtotal: number; contactId: string } }>(ORDER, { id: order.id })).order).toEqual(before);
      const [row] = await db.query<{ first_name: string; last_name: string; email: string | null }>(
        `select first_name, last_name, email from contact where id = $1`,
        [contact.id],
      );
      expect(row.first_name).toMatch(/^erased-[0-9a-f]{12}$/);
      expect(row).toMatchObject({ last_name: row.first_name, email: null });
      // The suppression list keeps the address as a hash only, so the person is never marketed to again.
      expect(await suppressed(newEmail)).toBe(true);
      const chain = dataOf(await gql<{ verifyAuditChain: { valid: boolean; problem: string | null } }>(VERIFY_CHAIN)).verifyAuditChain;
      expect(chain).toMatchObject({ valid: true, problem: null });
      const entries = await db.query<{ action: string }>(`select action from audit_entry where target_id = $1 and actor_type = 'SYSTEM'`, [contact.id]);
      expect(entries.map((e) => e.action)).toContain('privacyRequest.erase');
    });

    it('replaces their names, email addresses and phone in every free text of the tenant, as people write them, and keeps the rest', async () => {
      const tag = randomUUID().replace(/-/g, '').slice(0, 8);
      const four = tag.replace(/\D/g, '').padEnd(4, '5').slice(0, 4);
      const person = { firstName: `Ottoline${tag}`, lastName: `Brackenbury${tag}`, email: `ob.${tag}@erase.example`, phone: `+44 20 7946 ${four}` };
      // The address she was entered with, rectified away before the erasure.
      const oldEmail = `ob.typo.${tag}@erase.example`;
      const written = { national: `020 7946 ${four}`, trunk: `+44 (0)20-7946-${four}`, international: `0044 20 7946 ${four}` };
      const client = await createClient(server, owner, {
        notes: `Key buyer: ${person.firstName} ${person.lastName} (${person.email.toUpperCase()}), ring ${written.national}.`,
      });
      const contact = await createContact(server, owner, client.id, { ...person, email: oldEmail });
      const colleague = await createContact(server, owner, client.id, { firstName: `Bartholomew${tag}`, lastName: 'Keep' });
      await fileAndVerify({ contactId: contact.id, type: 'RECTIFICATION', changes: { email: person.email } });
      await runner.runDue();

      // Where the tenant's people wrote about her: an order of her colleague's and her own, a line's decoration, the
      // client, a communication with her colleague, a support thread, her colleague's consent and privacy requests.
      const colleagueOrder = await createOrder(server, owner, client.id, {
        contactId: colleague.id,
        notes: `Deliver to reception; call ${person.firstName} on ${written.trunk} first. Ask ${colleague.firstName}.`,
        lines: [{ ...MUG_LINE, decoration: `Embroider "${person.firstName.toUpperCase()}" on the left chest` }],
      });
      await createOrder(server, owner, client.id, { contactId: contact.id, notes: `${person.lastName} wants it by Friday; was ${oldEmail}` });
      dataOf(
        await gql(LOG, {
          input: {
            clientId: client.id,
            contactId: colleague.id,
            channel: 'CALL',
            direction: 'INBOUND',
            subject: `About ${person.firstName} ${person.lastName}`,
            body: `${colleague.firstName} says ${person.firstName} moved; her mobile ${written.international}, email ${person.email}.`,
            occurredAt: new Date().toISOString(),
          },
        }),
      );
      const thread = dataOf(
        await gql<{ createSupportRequest: { id: string } }>(SUPPORT, {
          input: { subject: `Duplicate contact ${person.lastName}`, body: `Please merge ${person.firstName} ${person.lastName} <${person.email}>.` },
        }),
      ).createSupportRequest;
      dataOf(await gql(REPLY, { input: { id: thread.id, body: `She also used ${oldEmail} and ${person.phone.replace(/ /g, '')}.` } }));
      dataOf(
        await gql(RECORD_CONSENT, {
          input: {
            contactId: colleague.id,
            source: 'SIGN_UP',
            note: `Form handed in by ${person.firstName} ${person.lastName}`,
            choices: [{ purpose: 'PERSONALIZATION', status: 'GRANTED' }],
          },
        }),
      );
      const filedForColleague = dataOf(
        await gql<{ filePrivacyRequest: Request }>(FILE, {
          input: { contactId: colleague.id, type: 'ACCESS', note: `Phoned in by ${person.firstName} ${person.lastName}` },
        }),
      ).filePrivacyRequest;
      dataOf(
        await gql(REJECT, { input: { id: filedForColleague.id, reason: `${person.firstName} ${person.lastName} can not ask for ${colleague.firstName}.` } }),
      );
      const objection = dataOf(await gql<{ filePrivacyRequest: Request }>(FILE, { input: { contactId: colleague.id, type: 'OBJECTION' } })).filePrivacyRequest;
      dataOf(await gql(VERIFY, { input: { id: objection.id, method: 'PHONE_CALLBACK', note: `Confirmed with ${person.firstName}, ${written.national}` } }));
      await runner.runDue();

      const terms = [person.firstName, person.lastName, person.email, oldEmail, person.phone, ...Object.values(written)];
      // The scan can fail: each place holds her before the erasure.
      const before = await traces(terms, db.query);
      for (const place of [
        'order.notes',
        'order_line.decoration',
        'client.notes',
        'communication.subject',
        'communication.body',
        'support_request.subject',
        'support_request.body',
        'support_reply.body',
        'contact_consent_event.note',
        'data_subject_request.rejection_reason',
        'data_subject_request.verification_note',
        'data_subject_request_event.note',
      ]) {
        expect(before).toContain(place);
      }

      const erasure = await fileAndVerify({ contactId: contact.id, type: 'ERASURE' });
      await runner.runDue();
      expect(await one(erasure.id)).toMatchObject({ status: 'COMPLETED', lastError: null, stepsDone: ERASE_STEPS });

      // None of her identifiers is left in any text, json or array column of any table.
      expect(await traces(terms, db.query)).toEqual([]);
      // What else was written stays, her colleague's name with it.
      const [order] = await db.query<{ notes: string }>(`select notes from "order" where id = $1`, [colleagueOrder.id]);
      expect(order.notes).toBe(`Deliver to reception; call [erased] on [erased] first. Ask ${colleague.firstName}.`);
      const [line] = await db.query<{ decoration: string }>(`select decoration from order_line where order_id = $1`, [colleagueOrder.id]);
      expect(line.decoration).toBe('Embroider "[erased]" on the left chest');
      const [clientRow] = await db.query<{ notes: string }>(`select notes from client where id = $1`, [client.id]);
      expect(clientRow.notes).toBe('Key buyer: [erased] ([erased]), ring [erased].');
      const [said] = await db.query<{ subject: string; body: string }>(`select subject, body from communication where contact_id = $1`, [colleague.id]);
      expect(said).toEqual({ subject: 'About [erased]', body: `${colleague.firstName} says [erased] moved; her mobile [erased], email [erased].` });
      const [consentNote] = await db.query<{ note: string }>(`select note from contact_consent_event where contact_id = $1 and note is not null`, [
        colleague.id,
      ]);
      expect(consentNote.note).toBe('Form handed in by [erased]');
      expect(await traces([colleague.firstName], db.query)).toEqual(
        expect.arrayContaining(['order.notes', 'communication.body', 'data_subject_request.rejection_reason']),
      );
      // A second erasure finds only the pseudonym, which it does not search for: the notes stay as they are.
      const again = await fileAndVerify({ contactId: contact.id, type: 'ERASURE' });
      await runner.runDue();
      expect(await one(again.id)).toMatchObject({ status: 'COMPLETED' });
      expect(await db.query(`select notes from "order" where id = $1`, [colleagueOrder.id])).toEqual([order]);
      expect(await db.query(`select notes from client where id = $1`, [client.id])).toEqual([clientRow]);
      // Every address she was known by is suppressed, the rectified-away one too.
      expect(await suppressed(person.email)).toBe(true);
      expect(await suppressed(oldEmail)).toBe(true);
      expect(await suppressed(person.phone)).toBe(true);
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
      expect(failed).toMatchObject({
        status: 'IN_PROGRESS',
        lastError: 'Crashed in the consent step.',
        stepsDone: ['start', 'suppress', 'mentions', 'business'],
      });
      runner.stepHook = undefined;
      jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + 60 * 60_000));
      await runner.runDue();
      const done = await one(request.id);
      expect(done.status).toBe('COMPLETED');
      expect(done.events.filter((e) => e.kind === 'STEP_COMPLETED').map((e) => e.step)).toEqual(ERASE_STEPS.slice(1, -1));
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
      const consent = dataOf(
        await gql<{ contactConsent: { purposes: { purpose: string; granted: boolean; status: string | null; source: string | null }[] } }>(CONTACT_CONSENT, {
          contactId: contact.id,
        }),
      ).contactConsent;
      for (const purpose of ['MARKETING_EMAIL', 'MARKETING_SMS', 'PERSONALIZATION']) {
        expect(consent.purposes.find((p) => p.purpose === purpose)).toMatchObject({ granted: false, status: 'WITHDRAWN', source: 'DATA_SUBJECT_REQUEST' });
      }
      expect(await suppressed(email)).toBe(true);
      expect(await suppressed('+442079460101')).toBe(true);
      // The same person entered again as a new contact can not be opted back in.
      const again = await createContact(server, owner, clientId, { email: email.toUpperCase() });
      expect(errorCode(await gql(RECORD_CONSENT, { input: { contactId: again.id, choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] } }))).toBe(
        'CONSENT_SUPPRESSED',
      );
    });

    it('of a contact suppresses the email and phone their rectifications replaced as well as the current ones', async () => {
      const tag = randomUUID().slice(0, 8);
      const [oldEmail, email] = [`was.${tag}@object.example`, `now.${tag}@object.example`];
      const contact = await createContact(server, owner, clientId, { email: oldEmail, phone: '+44 20 7946 0404' });
      await fileAndVerify({ contactId: contact.id, type: 'RECTIFICATION', changes: { email, phone: '+44 20 7946 0505' } });
      await runner.runDue();
      const request = await fileAndVerify({ contactId: contact.id, type: 'OBJECTION' });
      await runner.runDue();
      expect(await one(request.id)).toMatchObject({ status: 'COMPLETED' });
      for (const address of [oldEmail, email, '+442079460404', '+442079460505']) expect([address, await suppressed(address)]).toEqual([address, true]);
    });

    it('of a user withdraws their own marketing consents and suppresses their email and phone', async () => {
      const user = await signUpOwner(server, { phone: '+1 555 0199' });
      const asUser = async <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
        dataOf(await server.gql<T>({ query, variables, token: user.accessToken }));
      await asUser(
        `mutation { recordMyConsent(input: {choices: [{purpose: MARKETING_EMAIL, status: GRANTED}, {purpose: ANALYTICS, status: GRANTED}]}) { purposes { purpose } } }`,
      );
      const filed = (await asUser<{ requestMyObjection: Request }>(`mutation { requestMyObjection { ${REQUEST} } }`)).requestMyObjection;
      expect(filed.status).toBe('VERIFIED');
      await runner.runDue();
      const mine = (await asUser<{ myPrivacyRequests: Request[] }>(`query { myPrivacyRequests { ${REQUEST} } }`)).myPrivacyRequests;
      expect(mine.find((r) => r.id === filed.id)).toMatchObject({ status: 'COMPLETED', stepsDone: ['start', 'withdraw', 'complete'] });
      const consent = (
        await asUser<{ myConsent: { purposes: { purpose: string; granted: boolean; source: string | null }[] } }>(
          `query { myConsent { purposes { purpose granted source } } }`,
        )
      ).myConsent;
      expect(consent.purposes.find((p) => p.purpose === 'MARKETING_EMAIL')).toMatchObject({ granted: false, source: 'DATA_SUBJECT_REQUEST' });
      // Analytics is not marketing: the objection leaves it alone.
      expect(consent.purposes.find((p) => p.purpose === 'ANALYTICS')).toMatchObject({ granted: true });
      expect(await suppressed(user.email.trim().toLowerCase())).toBe(true);
      expect(await suppressed('+15550199')).toBe(true);
    });
  });
});
