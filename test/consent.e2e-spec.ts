import { createHash, randomUUID } from 'node:crypto';
import { RequestContext as OrmRequestContext } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { RequestContextStore, systemContext } from '../src/common/context/request-context.js';
import { ConsentService } from '../src/consent/ledger/consent.service.js';
import { ConsentPurpose } from '../src/consent/purposes/consent-purpose.js';
import { tenantScopedFork } from '../src/database/tenant-session.js';
import { privilegedQuery } from './support/database.js';
import {
  addMember,
  createApiKey,
  createClient,
  createContact,
  signUpOwner,
  STRONG_PASSWORD,
  uniqueEmail,
  type Member,
  type SignedUpOwner,
} from './support/fixtures.js';
import { suppressionHash } from './support/suppression.js';
import { badFields, dataOf, errorCode, startTestServer, type TestServer } from './support/test-server.js';

/**
 * Consent (issue 4): purposes, the append-only ledgers for users, contacts and cookie-banner visitors, proof in the
 * history, the marketing gate with its suppression list, visitor choices linked at sign-in, and the database refusing
 * to change ledger rows whoever asks.
 */

const STATE = `purposes { purpose granted status since source policy { kind version contentHash } }`;
const RECORD = `id purpose status source recordedAt policy { kind version contentHash } ip userAgent recordedByUserId recordedByApiKeyId linkedVisitorId note`;
const MY_CONSENT = `query { myConsent { ${STATE} history { ${RECORD} } } }`;
const RECORD_MINE = `mutation($input: RecordMyConsentInput!) { recordMyConsent(input: $input) { ${STATE} history { ${RECORD} } } }`;
const CONTACT_CONSENT = `query($contactId: ID!) { contactConsent(contactId: $contactId) { ${STATE} history { ${RECORD} } } }`;
const RECORD_CONTACT = `mutation($input: RecordContactConsentInput!) { recordContactConsent(input: $input) { ${STATE} history { ${RECORD} } } }`;
const VISITOR_CONSENT = `query($visitorId: String!) { visitorConsent(visitorId: $visitorId) { purpose granted status source } }`;
const RECORD_VISITOR = `mutation($input: RecordVisitorConsentInput!) { recordVisitorConsent(input: $input) { purpose granted status source } }`;
const LOG = `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { id marketing } }`;
const UPDATE = `mutation($input: UpdateCommunicationInput!) { updateCommunication(input: $input) { id marketing } }`;
const DELETE_CONTACT = `mutation($input: ContactIdInput!) { deleteContact(input: $input) { id } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { accessToken user { id } } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { accessToken user { id } } }`;

interface State {
  purpose: string;
  granted: boolean;
  status: string | null;
  since: string | null;
  source: string | null;
  policy: { kind: string; version: number; contentHash: string } | null;
}
interface Record_ {
  id: string;
  purpose: string;
  status: string;
  source: string;
  recordedAt: string;
  policy: { kind: string; version: number; contentHash: string } | null;
  ip: string | null;
  userAgent: string | null;
  recordedByUserId: string | null;
  recordedByApiKeyId: string | null;
  linkedVisitorId: string | null;
  note: string | null;
}
interface Overview {
  purposes: State[];
  history: Record_[];
}

const UA = { 'user-agent': 'PromoX-Web/3.1 (consent test)' };
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const stateOf = (overview: { purposes: State[] } | State[], purpose: string) =>
  (Array.isArray(overview) ? overview : overview.purposes).find((p) => p.purpose === purpose);

describe('consent', () => {
  let server: TestServer;
  let a: SignedUpOwner;
  let aViewer: Member;
  let b: SignedUpOwner;

  const myConsent = async (token: string) => dataOf(await server.gql<{ myConsent: Overview }>({ query: MY_CONSENT, token })).myConsent;
  const recordMine = (token: string, input: Record<string, unknown>) =>
    server.gql<{ recordMyConsent: Overview }>({ query: RECORD_MINE, variables: { input }, token, headers: UA });
  const recordContact = (token: string, input: Record<string, unknown>) =>
    server.gql<{ recordContactConsent: Overview }>({ query: RECORD_CONTACT, variables: { input }, token, headers: UA });
  const contactConsent = async (token: string, contactId: string) =>
    dataOf(await server.gql<{ contactConsent: Overview }>({ query: CONTACT_CONSENT, variables: { contactId }, token })).contactConsent;
  const recordVisitor = (input: Record<string, unknown>) =>
    server.gql<{ recordVisitorConsent: State[] }>({ query: RECORD_VISITOR, variables: { input }, headers: UA });
  const logMarketing = (token: string, clientId: string, contactId: string | null, channel = 'EMAIL') =>
    server.gql<{ logCommunication: { id: string; marketing: boolean } }>({
      query: LOG,
      variables: {
        input: { clientId, contactId, channel, direction: 'OUTBOUND', body: 'Spring catalogue', occurredAt: new Date().toISOString(), marketing: true },
      },
      token,
    });
  const ledgerCount = async (table: string, column: string, value: string) =>
    Number((await privilegedQuery<{ n: string }>(`select count(*) as n from ${table} where ${column} = $1`, [value]))[0].n);

  /** Runs `fn` as the app would inside a request of `tenantId`: the request's EntityManager under row-level security. */
  const inRequest = <T>(tenantId: string | null, fn: (consent: ConsentService) => Promise<T>): Promise<T> => {
    const orm: MikroORM = server.app.get(MikroORM);
    const consent = server.app.get(ConsentService);
    return RequestContextStore.run(
      systemContext('consent-test', tenantId, new Set()),
      () =>
        new Promise<T>((resolve, reject) => {
          OrmRequestContext.create(tenantScopedFork(orm, tenantId), () => {
            fn(consent).then(resolve, reject);
          });
        }),
    );
  };

  beforeAll(async () => {
    server = await startTestServer();
    a = await signUpOwner(server);
    aViewer = await addMember(server, a, 'VIEWER');
    b = await signUpOwner(server);
  });
  afterAll(() => server.close());

  it('defines the purposes once, with description and legal basis, and ESSENTIAL not withdrawable', async () => {
    const { consentPurposes } = dataOf(
      await server.gql<{ consentPurposes: { purpose: string; description: string; legalBasis: string; withdrawable: boolean; policyKind: string }[] }>({
        query: `query { consentPurposes { purpose description legalBasis withdrawable policyKind } }`,
      }),
    );
    expect(consentPurposes.map((p) => p.purpose)).toEqual(['ESSENTIAL', 'ANALYTICS', 'PERSONALIZATION', 'MARKETING_EMAIL', 'MARKETING_SMS']);
    expect(consentPurposes.filter((p) => !p.withdrawable).map((p) => p.purpose)).toEqual(['ESSENTIAL']);
    for (const purpose of consentPurposes) expect(purpose.legalBasis.length).toBeGreaterThan(10);
    const schema = (await import('node:fs')).readFileSync(server.schemaFile, 'utf8');
    expect(schema).toMatch(/Legal basis: Consent \(GDPR art\. 6\(1\)\(a\)/);
  });

  describe("a user's own consent", () => {
    it('grants and withdraws in one call each, and shows the history with proof', async () => {
      const user = await signUpOwner(server);
      const before = await myConsent(user.accessToken);
      expect(stateOf(before, 'ESSENTIAL')).toMatchObject({ granted: true, status: null });
      expect(stateOf(before, 'ANALYTICS')).toMatchObject({ granted: false, status: null });
      expect(before.history).toEqual([]);

      const granted = dataOf(
        await recordMine(user.accessToken, {
          choices: [
            { purpose: 'ANALYTICS', status: 'GRANTED' },
            { purpose: 'MARKETING_EMAIL', status: 'GRANTED' },
          ],
        }),
      ).recordMyConsent;
      expect(stateOf(granted, 'ANALYTICS')).toMatchObject({ granted: true, status: 'GRANTED', source: 'ACCOUNT_SETTINGS' });
      expect(stateOf(granted, 'MARKETING_EMAIL')).toMatchObject({ granted: true, policy: { kind: 'PRIVACY_POLICY', version: 1 } });

      const withdrawn = dataOf(await recordMine(user.accessToken, { choices: [{ purpose: 'ANALYTICS', status: 'WITHDRAWN' }] })).recordMyConsent;
      expect(stateOf(withdrawn, 'ANALYTICS')).toMatchObject({ granted: false, status: 'WITHDRAWN' });
      expect(stateOf(withdrawn, 'MARKETING_EMAIL')).toMatchObject({ granted: true });

      // Newest first; each event says who, when, which text version, and how.
      const { history } = await myConsent(user.accessToken);
      expect(history.map((h) => [h.purpose, h.status])).toEqual([
        ['ANALYTICS', 'WITHDRAWN'],
        ...(history[1].purpose === 'ANALYTICS'
          ? [
              ['ANALYTICS', 'GRANTED'],
              ['MARKETING_EMAIL', 'GRANTED'],
            ]
          : [
              ['MARKETING_EMAIL', 'GRANTED'],
              ['ANALYTICS', 'GRANTED'],
            ]),
      ]);
      const [latest] = history;
      const [cookiePolicy] = await privilegedQuery<{ text: string; content_hash: string }>(
        `select text, content_hash from policy_document where kind = 'COOKIE_POLICY' and version = 1`,
      );
      expect(latest).toMatchObject({
        source: 'ACCOUNT_SETTINGS',
        recordedByUserId: user.userId,
        userAgent: UA['user-agent'],
        policy: { kind: 'COOKIE_POLICY', version: 1, contentHash: sha256(cookiePolicy.text) },
      });
      expect(latest.ip).toMatch(/127\.0\.0\.1/);
      expect(new Date(latest.recordedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(await ledgerCount('consent_event', 'user_id', user.userId)).toBe(3);
    });

    it('refuses ESSENTIAL, repeated purposes and unknown policy versions, recording nothing', async () => {
      const user = await signUpOwner(server);
      const essential = await recordMine(user.accessToken, { choices: [{ purpose: 'ESSENTIAL', status: 'WITHDRAWN' }] });
      expect(errorCode(essential)).toBe('BAD_USER_INPUT');
      expect(badFields(essential)).toEqual(['choices']);
      const twice = await recordMine(user.accessToken, {
        choices: [
          { purpose: 'ANALYTICS', status: 'GRANTED' },
          { purpose: 'ANALYTICS', status: 'WITHDRAWN' },
        ],
      });
      expect(errorCode(twice)).toBe('BAD_USER_INPUT');
      const unknown = await recordMine(user.accessToken, {
        choices: [{ purpose: 'ANALYTICS', status: 'GRANTED' }],
        policyVersions: [{ kind: 'COOKIE_POLICY', version: 99 }],
      });
      expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
      expect(errorCode(await recordMine(user.accessToken, { choices: [] }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await recordMine(user.accessToken, { choices: [{ purpose: 'ANALYTICS', status: 'GRANTED' }], source: 'API' }))).toBe('BAD_USER_INPUT');
      expect(await ledgerCount('consent_event', 'user_id', user.userId)).toBe(0);
    });

    it('is for signed-in users only', async () => {
      expect(errorCode(await server.gql({ query: MY_CONSENT }))).toBe('UNAUTHENTICATED');
      const key = await createApiKey(server, a, ['CLIENTS_READ']);
      expect(errorCode(await server.gql({ query: MY_CONSENT, token: key.secret }))).toBe('FORBIDDEN');
    });
  });

  describe("a contact's consent and the marketing gate", () => {
    let clientId: string;

    beforeAll(async () => {
      clientId = (await createClient(server, a)).id;
    });

    it('records grants and withdrawals for a contact, with who recorded them; CLIENTS_WRITE to record, CLIENTS_READ to read', async () => {
      const contact = await createContact(server, a, clientId, { email: uniqueEmail('grace') });
      expect(errorCode(await recordContact(aViewer.accessToken, { contactId: contact.id, choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] }))).toBe(
        'FORBIDDEN',
      );
      const key = await createApiKey(server, a, ['CLIENTS_READ', 'CLIENTS_WRITE']);
      dataOf(
        await recordContact(key.secret, {
          contactId: contact.id,
          choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }],
          source: 'SIGN_UP',
          note: 'Ticked the newsletter box on the trade-show form',
        }),
      );
      dataOf(
        await recordContact(a.accessToken, {
          contactId: contact.id,
          choices: [{ purpose: 'MARKETING_SMS', status: 'GRANTED' }],
          source: 'DATA_SUBJECT_REQUEST',
        }),
      );

      const overview = await contactConsent(aViewer.accessToken, contact.id);
      expect(stateOf(overview, 'MARKETING_EMAIL')).toMatchObject({ granted: true, source: 'SIGN_UP' });
      expect(stateOf(overview, 'MARKETING_SMS')).toMatchObject({ granted: true, source: 'DATA_SUBJECT_REQUEST' });
      expect(overview.history).toHaveLength(2);
      expect(overview.history[1]).toMatchObject({
        purpose: 'MARKETING_EMAIL',
        recordedByApiKeyId: key.id,
        recordedByUserId: null,
        note: 'Ticked the newsletter box on the trade-show form',
        policy: { kind: 'PRIVACY_POLICY', version: 1 },
      });
      expect(overview.history[0]).toMatchObject({ purpose: 'MARKETING_SMS', recordedByUserId: a.userId, recordedByApiKeyId: null });
    });

    it("reads and writes another tenant's contact as not found, recording nothing", async () => {
      const contact = await createContact(server, a, clientId);
      const attempt = await recordContact(b.accessToken, { contactId: contact.id, choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] });
      expect(errorCode(attempt)).toBe('NOT_FOUND');
      expect(errorCode(await server.gql({ query: CONTACT_CONSENT, variables: { contactId: contact.id }, token: b.accessToken }))).toBe('NOT_FOUND');
      expect(await ledgerCount('contact_consent_event', 'contact_id', contact.id)).toBe(0);
    });

    it('refuses marketing without current consent for the channel, and allows it with consent', async () => {
      const contact = await createContact(server, a, clientId, { email: uniqueEmail('buyer'), phone: '+1 555 0142' });
      const refused = await logMarketing(a.accessToken, clientId, contact.id);
      expect(errorCode(refused)).toBe('CONSENT_REQUIRED');
      expect(refused.body.errors?.[0].extensions).toMatchObject({ purpose: 'MARKETING_EMAIL', reason: 'NO_CONSENT' });
      expect(errorCode(await logMarketing(a.accessToken, clientId, null))).toBe('CONSENT_REQUIRED');

      dataOf(await recordContact(a.accessToken, { contactId: contact.id, choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] }));
      expect(dataOf(await logMarketing(a.accessToken, clientId, contact.id)).logCommunication.marketing).toBe(true);
      // Email consent is not SMS consent.
      expect(errorCode(await logMarketing(a.accessToken, clientId, contact.id, 'SMS'))).toBe('CONSENT_REQUIRED');
      // A service message needs no marketing consent.
      const service = await server.gql({
        query: LOG,
        variables: {
          input: { clientId, contactId: contact.id, channel: 'SMS', direction: 'OUTBOUND', body: 'Your order shipped', occurredAt: new Date().toISOString() },
        },
        token: a.accessToken,
      });
      dataOf(service);
      // Turning an existing message into SMS marketing passes the same gate.
      const id = (dataOf(service) as { logCommunication: { id: string } }).logCommunication.id;
      expect(errorCode(await server.gql({ query: UPDATE, variables: { input: { id, marketing: true } }, token: a.accessToken }))).toBe('CONSENT_REQUIRED');
      const stored = await privilegedQuery<{ marketing: boolean }>('select marketing from communication where id = $1', [id]);
      expect(stored[0].marketing).toBe(false);
    });

    it('never markets to a withdrawn address again, even as a new contact with the same email', async () => {
      const email = uniqueEmail('withdrawn');
      const contact = await createContact(server, a, clientId, { email });
      dataOf(await recordContact(a.accessToken, { contactId: contact.id, choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] }));
      dataOf(await logMarketing(a.accessToken, clientId, contact.id));

      const withdrawn = dataOf(
        await recordContact(a.accessToken, {
          contactId: contact.id,
          choices: [{ purpose: 'MARKETING_EMAIL', status: 'WITHDRAWN' }],
          source: 'DATA_SUBJECT_REQUEST',
        }),
      ).recordContactConsent;
      expect(stateOf(withdrawn, 'MARKETING_EMAIL')).toMatchObject({ granted: false, status: 'WITHDRAWN' });
      const refused = await logMarketing(a.accessToken, clientId, contact.id);
      expect(errorCode(refused)).toBe('CONSENT_REQUIRED');
      expect(refused.body.errors?.[0].extensions?.reason).toBe('SUPPRESSED');

      // Only the hash of the normalised address is kept.
      const suppressed = await privilegedQuery<{ channel: string; identifier_hash: string; reason: string }>(
        `select channel, identifier_hash, reason from consent_suppression where identifier_hash = $1`,
        [suppressionHash(server, email)],
      );
      expect(suppressed).toEqual([{ channel: 'EMAIL', identifier_hash: suppressionHash(server, email), reason: 'WITHDRAWAL' }]);
      const leaks = await privilegedQuery(`select 1 from consent_suppression s where s::text ilike $1`, [`%${email.split('@')[0]}%`]);
      expect(leaks).toEqual([]);

      // The contact is deleted and created again later, with the same address written differently.
      dataOf(await server.gql({ query: DELETE_CONTACT, variables: { input: { id: contact.id } }, token: a.accessToken }));
      const again = await createContact(server, a, clientId, { email: `  ${email.toUpperCase()} ` });
      const grant = await recordContact(a.accessToken, { contactId: again.id, choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] });
      expect(errorCode(grant)).toBe('CONSENT_SUPPRESSED');
      expect(await ledgerCount('contact_consent_event', 'contact_id', again.id)).toBe(0);
      expect(errorCode(await logMarketing(a.accessToken, clientId, again.id))).toBe('CONSENT_REQUIRED');
      // The deleted contact's ledger stays: it is the proof.
      expect(await ledgerCount('contact_consent_event', 'contact_id', contact.id)).toBe(2);
    });

    it('suppresses phone numbers for SMS by their digits', async () => {
      const contact = await createContact(server, a, clientId, { phone: '+44 20 7946 0958' });
      dataOf(await recordContact(a.accessToken, { contactId: contact.id, choices: [{ purpose: 'MARKETING_SMS', status: 'WITHDRAWN' }] }));
      const again = await createContact(server, a, clientId, { phone: '+44 (20) 7946-0958' });
      expect(errorCode(await recordContact(a.accessToken, { contactId: again.id, choices: [{ purpose: 'MARKETING_SMS', status: 'GRANTED' }] }))).toBe(
        'CONSENT_SUPPRESSED',
      );
      // Email marketing to the same person is a different channel, and still possible.
      dataOf(await recordContact(a.accessToken, { contactId: again.id, choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] }));
    });
  });

  describe('cookie banner', () => {
    it("records an anonymous visitor's choices and reads them back by visitor id", async () => {
      const visitorId = randomUUID();
      const states = dataOf(
        await recordVisitor({
          visitorId,
          choices: [
            { purpose: 'ANALYTICS', status: 'GRANTED' },
            { purpose: 'PERSONALIZATION', status: 'WITHDRAWN' },
          ],
        }),
      ).recordVisitorConsent;
      expect(stateOf(states, 'ANALYTICS')).toMatchObject({ granted: true, source: 'COOKIE_BANNER' });
      expect(stateOf(states, 'PERSONALIZATION')).toMatchObject({ granted: false, status: 'WITHDRAWN' });
      const read = dataOf(await server.gql<{ visitorConsent: State[] }>({ query: VISITOR_CONSENT, variables: { visitorId } })).visitorConsent;
      expect(read).toEqual(states);
      const rows = await privilegedQuery<{ ip: string; user_agent: string; policy_document_id: string }>(
        `select ip, user_agent, policy_document_id from consent_event where visitor_id = $1`,
        [visitorId],
      );
      expect(rows).toHaveLength(2);
      expect(rows[0].user_agent).toBe(UA['user-agent']);
      expect(rows[0].policy_document_id).toBeTruthy();
    });

    it('refuses a guessable visitor id', async () => {
      const response = await recordVisitor({ visitorId: 'abc', choices: [{ purpose: 'ANALYTICS', status: 'GRANTED' }] });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(badFields(response)).toEqual(['visitorId']);
    });

    it('is rate limited per client IP', async () => {
      const limited = await startTestServer({ COOKIE_CONSENT_PER_IP_PER_MINUTE: '2' });
      try {
        const record = () =>
          limited.gql({ query: RECORD_VISITOR, variables: { input: { visitorId: randomUUID(), choices: [{ purpose: 'ANALYTICS', status: 'GRANTED' }] } } });
        dataOf(await record());
        dataOf(await record());
        const third = await record();
        expect(errorCode(third)).toBe('RATE_LIMITED');
        expect(third.body.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThan(0);
      } finally {
        await limited.close();
      }
    });

    it("links a visitor's choices to the account at sign-up, keeping the visitor's events", async () => {
      const visitorId = randomUUID();
      dataOf(
        await recordVisitor({
          visitorId,
          choices: [
            { purpose: 'ANALYTICS', status: 'GRANTED' },
            { purpose: 'PERSONALIZATION', status: 'WITHDRAWN' },
          ],
        }),
      );
      const signUp = await server.gql<{ signUp: { accessToken: string; user: { id: string } } }>({
        query: SIGN_UP,
        variables: {
          input: {
            companyName: 'Linked Promo',
            fullName: 'Vera Visitor',
            email: uniqueEmail('vera'),
            password: STRONG_PASSWORD,
            confirmAge16OrOlder: true,
            visitorId,
          },
        },
        headers: UA,
      });
      const { accessToken, user } = dataOf(signUp).signUp;
      const mine = await myConsent(accessToken);
      expect(stateOf(mine, 'ANALYTICS')).toMatchObject({ granted: true, source: 'COOKIE_BANNER', policy: { kind: 'COOKIE_POLICY', version: 1 } });
      expect(stateOf(mine, 'PERSONALIZATION')).toMatchObject({ granted: false, status: 'WITHDRAWN' });
      expect(mine.history.map((h) => h.linkedVisitorId)).toEqual([visitorId, visitorId]);
      expect(mine.history.every((h) => h.recordedByUserId === user.id)).toBe(true);
      expect(await ledgerCount('consent_event', 'visitor_id', visitorId)).toBe(2);
    });

    it("links at log-in only the visitor's choices that are newer than the user's own", async () => {
      const user = await signUpOwner(server);
      dataOf(await recordMine(user.accessToken, { choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] }));
      const visitorId = randomUUID();
      dataOf(await recordVisitor({ visitorId, choices: [{ purpose: 'ANALYTICS', status: 'WITHDRAWN' }] }));
      // The user's own choice for PERSONALIZATION comes after the visitor's, so it stands.
      dataOf(await recordVisitor({ visitorId, choices: [{ purpose: 'PERSONALIZATION', status: 'GRANTED' }] }));
      dataOf(await recordMine(user.accessToken, { choices: [{ purpose: 'PERSONALIZATION', status: 'WITHDRAWN' }] }));

      const logIn = await server.gql<{ logIn: { accessToken: string } }>({
        query: LOG_IN,
        variables: { input: { email: user.email, password: STRONG_PASSWORD, visitorId } },
      });
      const mine = await myConsent(dataOf(logIn).logIn.accessToken);
      expect(stateOf(mine, 'ANALYTICS')).toMatchObject({ status: 'WITHDRAWN', source: 'COOKIE_BANNER' });
      expect(stateOf(mine, 'PERSONALIZATION')).toMatchObject({ status: 'WITHDRAWN', source: 'ACCOUNT_SETTINGS' });
      expect(stateOf(mine, 'MARKETING_EMAIL')).toMatchObject({ granted: true });
      // Logging in again with the same visitor copies nothing more.
      dataOf(await server.gql({ query: LOG_IN, variables: { input: { email: user.email, password: STRONG_PASSWORD, visitorId } } }));
      expect(await ledgerCount('consent_event', 'user_id', user.userId)).toBe(3);
    });
  });

  describe('the exported ConsentService', () => {
    it("answers hasConsent for users, contacts and visitors in the request's session; ESSENTIAL is always true", async () => {
      const user = await signUpOwner(server);
      dataOf(await recordMine(user.accessToken, { choices: [{ purpose: 'ANALYTICS', status: 'GRANTED' }] }));
      const contact = await createContact(server, a, (await createClient(server, a)).id, { email: uniqueEmail('svc') });
      dataOf(await recordContact(a.accessToken, { contactId: contact.id, choices: [{ purpose: 'ANALYTICS', status: 'GRANTED' }] }));
      const visitorId = randomUUID();
      dataOf(await recordVisitor({ visitorId, choices: [{ purpose: 'ANALYTICS', status: 'WITHDRAWN' }] }));

      const answers = await inRequest(a.tenantId, async (consent) => ({
        user: await consent.hasConsent({ userId: user.userId }, ConsentPurpose.ANALYTICS),
        userMarketing: await consent.hasConsent({ userId: user.userId }, ConsentPurpose.MARKETING_EMAIL),
        contact: await consent.hasConsent({ contactId: contact.id }, ConsentPurpose.ANALYTICS),
        visitor: await consent.hasConsent({ visitorId }, ConsentPurpose.ANALYTICS),
        essential: await consent.hasConsent({ visitorId: randomUUID() }, ConsentPurpose.ESSENTIAL),
      }));
      expect(answers).toEqual({ user: true, userMarketing: false, contact: true, visitor: false, essential: true });
      // Row-level security: from another tenant's session the contact has no consent at all.
      expect(await inRequest(b.tenantId, (consent) => consent.hasConsent({ contactId: contact.id }, ConsentPurpose.ANALYTICS))).toBe(false);
    });
  });

  describe('the ledger in the database', () => {
    it('refuses UPDATE and DELETE of ledger rows to the app role, even through raw SQL', async () => {
      const contact = await createContact(server, a, (await createClient(server, a)).id, { email: uniqueEmail('raw') });
      dataOf(await recordContact(a.accessToken, { contactId: contact.id, choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] }));
      const orm: MikroORM = server.app.get(MikroORM);
      const asApp = (sql: string) => tenantScopedFork(orm, a.tenantId).transactional((tx) => tx.execute(sql));
      for (const sql of [
        `update contact_consent_event set status = 'WITHDRAWN'`,
        `delete from contact_consent_event`,
        `update consent_event set status = 'WITHDRAWN'`,
        `delete from consent_event`,
        `delete from consent_suppression`,
        `update policy_document set text = 'nothing'`,
        `delete from policy_acceptance`,
        `truncate consent_event`,
      ]) {
        await expect(asApp(sql)).rejects.toThrow(/permission denied/);
      }
      // The app role may still add and read rows.
      const rows = await tenantScopedFork(orm, a.tenantId).transactional((tx) =>
        tx.execute<{ status: string }[]>('select status from contact_consent_event where contact_id = ?', [contact.id]),
      );
      expect(rows).toEqual([{ status: 'GRANTED' }]);
    });

    it('lets a note change, and nothing else of the row, only while erasure replaces identifiers in it', async () => {
      const contact = await createContact(server, a, (await createClient(server, a)).id, { email: uniqueEmail('note') });
      dataOf(
        await recordContact(a.accessToken, {
          contactId: contact.id,
          note: 'Told Ann at the fair',
          choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }],
        }),
      );
      const orm: MikroORM = server.app.get(MikroORM);
      const row = `contact_consent_event where contact_id = '${contact.id}'`;
      const asApp = (erasing: boolean, sql: string) =>
        tenantScopedFork(orm, a.tenantId).transactional(async (tx) => {
          if (erasing) await tx.execute(`select set_config('app.erasing_mentions', 'on', true)`);
          return tx.execute(sql);
        });
      await expect(asApp(false, `update contact_consent_event set note = 'Told [erased] at the fair' where contact_id = '${contact.id}'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(asApp(true, `update contact_consent_event set status = 'WITHDRAWN' where contact_id = '${contact.id}'`)).rejects.toThrow(
        /permission denied/,
      );
      // The owner, who may change any column, meets the trigger: with the setting on, still only the note.
      await expect(
        privilegedQuery(
          `select set_config('app.erasing_mentions', 'on', true); update contact_consent_event set status = 'WITHDRAWN', note = 'x' where contact_id = '${contact.id}'`,
        ),
      ).rejects.toThrow(/append-only/);
      await asApp(true, `update contact_consent_event set note = 'Told [erased] at the fair' where contact_id = '${contact.id}'`);
      expect(await privilegedQuery(`select status, note from ${row}`)).toEqual([{ status: 'GRANTED', note: 'Told [erased] at the fair' }]);
    });

    it('refuses them even to the table owner, until the trigger is disabled deliberately', async () => {
      for (const sql of [
        `update contact_consent_event set status = 'WITHDRAWN'`,
        `delete from consent_event`,
        `update consent_suppression set reason = 'OBJECTION'`,
        `truncate contact_consent_event`,
      ]) {
        await expect(privilegedQuery(sql)).rejects.toThrow(/append-only/);
      }
      const triggers = await privilegedQuery<{ table: string }>(
        `select c.relname as table from pg_trigger t join pg_class c on c.oid = t.tgrelid
          where t.tgname = 'append_only' and t.tgenabled = 'O' order by 1`,
      );
      expect(triggers.map((t) => t.table)).toEqual(['consent_event', 'consent_suppression', 'contact_consent_event', 'policy_acceptance', 'policy_document']);
    });

    it('keeps contact ledgers under forced row-level security, tenant by tenant', async () => {
      const policies = await privilegedQuery<{ relforcerowsecurity: boolean }>(
        `select relforcerowsecurity from pg_class where relname = 'contact_consent_event'`,
      );
      expect(policies).toEqual([{ relforcerowsecurity: true }]);
      const orm: MikroORM = server.app.get(MikroORM);
      const seenByB = await tenantScopedFork(orm, b.tenantId).transactional((tx) =>
        tx.execute<{ tenant_id: string }[]>('select distinct tenant_id from contact_consent_event'),
      );
      expect(seenByB.every((r) => r.tenant_id === b.tenantId)).toBe(true);
    });
  });
});
