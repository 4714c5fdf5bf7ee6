import { createHash } from 'node:crypto';
import { isolatedDatabase, type IsolatedDatabase } from './support/database.js';
import { createApiKey, createClient, signUpOwner, type SignedUpOwner } from './support/fixtures.js';
import { dataOf, errorCode, startTestServer, type TestServer } from './support/test-server.js';
import { ifCreated } from './support/required';

/**
 * Policy documents (issue 4): seeded versions, publishing by platform admins, acceptance at sign-up and afterwards,
 * the re-acceptance gate on mutations, and the subprocessor register. Publishing a version affects every user of the
 * database, so this suite runs on a database of its own.
 */

const DOCUMENTS = `query($kind: PolicyKind) { policyDocuments(kind: $kind) { id kind version effectiveAt text contentHash publishedAt } }`;
const ME = `query { me { user { id } policyAcceptanceRequired policiesToAccept { id kind version contentHash } } }`;
const PUBLISH = `mutation($input: PublishPolicyInput!) { publishPolicy(input: $input) { id kind version effectiveAt contentHash } }`;
const ACCEPT = `mutation($ids: [ID!]!) { acceptPolicy(input: { policyDocumentIds: $ids }) { policy { id kind version } acceptedAt ip userAgent } }`;
const ACCEPTANCES = `query { myPolicyAcceptances { policy { kind version } acceptedAt ip userAgent } }`;
const CREATE_CLIENT = `mutation($name: String!) { createClient(input: { name: $name }) { id } }`;
const RECORD_MINE = `mutation { recordMyConsent(input: { choices: [{ purpose: ANALYTICS, status: WITHDRAWN }] }) { purposes { purpose granted } } }`;

interface Doc {
  id: string;
  kind: string;
  version: number;
  effectiveAt: string;
  text: string;
  contentHash: string;
}
interface MeData {
  me: { user: { id: string }; policyAcceptanceRequired: boolean; policiesToAccept: { id: string; kind: string; version: number }[] };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const UA = { 'user-agent': 'PromoX-Web/3.1 (policy test)' };

describe('policy documents', () => {
  let db: IsolatedDatabase;
  let server: TestServer;
  let owner: SignedUpOwner;
  let admin: SignedUpOwner;

  const me = async (token: string) => dataOf(await server.gql<MeData>({ query: ME, token })).me;
  const publish = (token: string, input: Record<string, unknown>) => server.gql<{ publishPolicy: Doc }>({ query: PUBLISH, variables: { input }, token });
  const clientCount = async (tenantId: string) =>
    Number((await db.query<{ n: string }>('select count(*) as n from client where tenant_id = $1', [tenantId]))[0].n);

  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startTestServer({ DATABASE_URL: db.url });
    owner = await signUpOwner(server);
    admin = await signUpOwner(server);
    await db.query(`update "user" set platform_role = 'PLATFORM_ADMIN' where id = $1`, [admin.userId]);
  });
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  it('seeds version 1 of the privacy policy, the terms and the cookie policy, readable by anyone, with the hash of each text', async () => {
    const { policyDocuments } = dataOf(await server.gql<{ policyDocuments: Doc[] }>({ query: DOCUMENTS }));
    expect(policyDocuments.map((d) => [d.kind, d.version])).toEqual([
      ['COOKIE_POLICY', 1],
      ['PRIVACY_POLICY', 1],
      ['TERMS', 1],
    ]);
    for (const document of policyDocuments) expect(document.contentHash).toBe(sha256(document.text));
    expect(policyDocuments.find((d) => d.kind === 'PRIVACY_POLICY')?.text).toMatch(/We do not sell personal data/);
  });

  it('lists the subprocessors to anyone', async () => {
    const { subprocessors } = dataOf(
      await server.gql<{ subprocessors: { name: string; purpose: string; location: string }[] }>({ query: `{ subprocessors { name purpose location } }` }),
    );
    expect(subprocessors.map((s) => s.purpose.split(':')[0])).toEqual(['Hosting', 'Billing', 'Email']);
    expect(subprocessors.some((s) => s.name.startsWith('Stripe'))).toBe(true);
  });

  it('records acceptance of the current versions at sign-up, with IP and user agent', async () => {
    const user = await signUpOwner(server);
    expect(await me(user.accessToken)).toMatchObject({ policyAcceptanceRequired: false, policiesToAccept: [] });
    const { myPolicyAcceptances } = dataOf(
      await server.gql<{ myPolicyAcceptances: { policy: { kind: string; version: number }; ip: string }[] }>({ query: ACCEPTANCES, token: user.accessToken }),
    );
    expect(myPolicyAcceptances.map((a) => `${a.policy.kind}@${a.policy.version}`).sort()).toEqual(['COOKIE_POLICY@1', 'PRIVACY_POLICY@1', 'TERMS@1']);
    expect(myPolicyAcceptances[0].ip).toMatch(/127\.0\.0\.1/);
  });

  it('lets only platform admins publish, never backdated', async () => {
    const refused = await publish(owner.accessToken, { kind: 'TERMS', text: 'New terms' });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    const past = await publish(admin.accessToken, { kind: 'TERMS', text: 'New terms', effectiveAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect(errorCode(past)).toBe('BAD_USER_INPUT');
    expect(errorCode(await publish(admin.accessToken, { kind: 'TERMS', text: '' }))).toBe('BAD_USER_INPUT');
    const versions = await db.query<{ n: string }>(`select count(*) as n from policy_document where kind = 'TERMS'`);
    expect(versions[0].n).toBe('1');
  });

  it("makes acceptance stale from a new version's effective date, and refuses changes until it is accepted", async () => {
    const early = await signUpOwner(server);
    const late = await signUpOwner(server);
    const key = await createApiKey(server, owner, ['CLIENTS_READ', 'CLIENTS_WRITE']);
    const support = dataOf(
      await server.gql<{ createSupportRequest: { id: string } }>({
        query: `mutation { createSupportRequest(input: { subject: "Proofs", body: "Blank PDFs" }) { id } }`,
        token: owner.accessToken,
      }),
    ).createSupportRequest;

    const text = 'PromoX CRM Privacy Policy, version 2: we now also list our email provider in the subprocessor register.';
    const effectiveAt = new Date(Date.now() + 2_500);
    const published = dataOf(await publish(admin.accessToken, { kind: 'PRIVACY_POLICY', text, effectiveAt: effectiveAt.toISOString() })).publishPolicy;
    expect(published).toMatchObject({ kind: 'PRIVACY_POLICY', version: 2, contentHash: sha256(text), effectiveAt: effectiveAt.toISOString() });
    // A later version must take effect after it.
    const before = await publish(admin.accessToken, { kind: 'PRIVACY_POLICY', text: 'v3', effectiveAt: new Date(effectiveAt.getTime() - 1_000).toISOString() });
    expect(errorCode(before)).toBe('BAD_USER_INPUT');

    // Until the effective date nothing is stale; a user may accept the new version ahead of time.
    expect((await me(owner.accessToken)).policyAcceptanceRequired).toBe(false);
    const { policyDocuments } = dataOf(await server.gql<{ policyDocuments: Doc[] }>({ query: DOCUMENTS, variables: { kind: 'PRIVACY_POLICY' } }));
    expect(policyDocuments.map((d) => d.version)).toEqual([1, 2]);
    dataOf(await server.gql({ query: ACCEPT, variables: { ids: [published.id] }, token: early.accessToken }));

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, effectiveAt.getTime() - Date.now()) + 200));

    const stale = await me(owner.accessToken);
    expect(stale.policyAcceptanceRequired).toBe(true);
    expect(stale.policiesToAccept).toEqual([{ id: published.id, kind: 'PRIVACY_POLICY', version: 2, contentHash: sha256(text) }]);

    const refused = await server.gql({ query: CREATE_CLIENT, variables: { name: 'Blocked Co' }, token: owner.accessToken });
    expect(errorCode(refused)).toBe('POLICY_ACCEPTANCE_REQUIRED');
    expect(refused.body.errors?.[0].extensions?.documents).toEqual([{ id: published.id, kind: 'PRIVACY_POLICY', version: 2 }]);
    expect(await clientCount(owner.tenantId)).toBe(0);
    // The REST upload is a change too.
    const upload = await server.post(`/support/requests/${support.id}/attachments`, 'hello', {
      'content-type': 'text/plain',
      'x-file-name': 'note.txt',
      authorization: `Bearer ${owner.accessToken}`,
    });
    expect(upload.status).toBe(403);
    expect(((await upload.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('POLICY_ACCEPTANCE_REQUIRED');

    // Reads go on; so do withdrawing consent and partner integrations; the early acceptor is not asked again.
    dataOf(await server.gql({ query: `{ clients(first: 1) { edges { node { id } } } }`, token: owner.accessToken }));
    dataOf(await server.gql({ query: RECORD_MINE, token: owner.accessToken }));
    await createClient(server, key);
    expect((await me(early.accessToken)).policyAcceptanceRequired).toBe(false);
    await createClient(server, early);
    // A new account accepts the version in effect when it signs up.
    const newcomer = await signUpOwner(server);
    expect((await me(newcomer.accessToken)).policyAcceptanceRequired).toBe(false);
    // Logging out is allowed before accepting.
    expect(dataOf(await server.gql<{ logOut: boolean }>({ query: `mutation { logOut }`, token: late.accessToken })).logOut).toBe(true);

    const accepted = dataOf(
      await server.gql<{ acceptPolicy: { policy: { id: string }; ip: string; userAgent: string }[] }>({
        query: ACCEPT,
        variables: { ids: [published.id] },
        token: owner.accessToken,
        headers: UA,
      }),
    ).acceptPolicy;
    expect(accepted).toMatchObject([{ policy: { id: published.id }, userAgent: UA['user-agent'] }]);
    expect((await me(owner.accessToken)).policyAcceptanceRequired).toBe(false);
    await createClient(server, owner);
    // Accepting again keeps the first acceptance.
    dataOf(await server.gql({ query: ACCEPT, variables: { ids: [published.id] }, token: owner.accessToken }));
    const rows = await db.query('select 1 from policy_acceptance where user_id = $1 and policy_document_id = $2', [owner.userId, published.id]);
    expect(rows).toHaveLength(1);
  });

  it('answers NOT_FOUND for an unknown version, accepting nothing', async () => {
    const user = await signUpOwner(server);
    const response = await server.gql({ query: ACCEPT, variables: { ids: ['0190b6c1-0000-7000-8000-000000000000'] }, token: user.accessToken });
    expect(errorCode(response)).toBe('NOT_FOUND');
  });
});
