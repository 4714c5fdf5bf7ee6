import { expect } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { RequestContext as OrmRequestContext } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { AuditTrailService } from '../src/audit/audit-trail.service';
import { Permission } from '../src/common/authorization/permission';
import { systemContext } from '../src/common/context/request-context';
import { Clock } from '../src/common/time/clock';
import { tenantScopedFork } from '../src/database/tenant-session';
import { PersonalDataEraser } from '../src/privacy/erasure/personal-data-eraser.sql';
import { TenantPurgeJob } from '../src/privacy/closure/tenant-purge.job';
import { addMember, createApiKey, createClient, createContact, createOrder, signUpOwner, STRONG_PASSWORD, type SignedUpOwner } from './support/fixtures';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { traces } from './support/trace-scan';
import { dataOf, errorCode, startTestServer, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

const DAY_MS = 24 * 60 * 60 * 1000;
const TENANT = `id status closedAt purgeAfter legalHoldUntil taxRetentionYears`;
const CLOSE = `mutation($input: CloseTenantInput!) { closeTenant(input: $input) { ${TENANT} } }`;
const REOPEN = `mutation { reopenTenant { ${TENANT} } }`;
const SETTINGS = `mutation($input: UpdatePrivacySettingsInput!) { updatePrivacySettings(input: $input) { taxRetentionYears privacyDeadlineRule } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { accessToken activeTenant { id status } } }`;
const ME = `query { me { user { id } } }`;
const CLIENTS = `query { clients(first: 10) { totalCount } }`;
const CREATE_CLIENT = `mutation($input: CreateClientInput!) { createClient(input: $input) { id } }`;
const LOG = `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { id } }`;
const SUPPORT = `mutation($input: CreateSupportRequestInput!) { createSupportRequest(input: $input) { id } }`;
const RECORD_CONSENT = `mutation($input: RecordContactConsentInput!) { recordContactConsent(input: $input) { purposes { purpose granted } } }`;
const FILE = `mutation($input: FilePrivacyRequestInput!) { filePrivacyRequest(input: $input) { id } }`;
const RETENTION = `query { retentionPolicies { kind days period configuredBy then } }`;

interface TenantView {
  id: string;
  status: string;
  closedAt: string | null;
  purgeAfter: string | null;
  legalHoldUntil: string | null;
  taxRetentionYears: number;
}

/** Rows of the tenant left in every table that has a tenant_id, by table (empty tables omitted). */
async function rowsOf(db: IsolatedDatabase, tenantId: string): Promise<Record<string, number>> {
  const tables = await db.query<{ table_name: string }>(
    `select table_name from information_schema.columns where table_schema = 'public' and column_name = 'tenant_id' order by 1`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await db.query<{ n: string }>(`select count(*) as n from "${table_name}" where tenant_id = $1`, [tenantId]);
    if (Number(row.n) > 0) counts[table_name] = Number(row.n);
  }
  return counts;
}

// A database of its own: the purge reaches every closed tenant, and other suites close tenants too.
describe('tenant closure, reopening and purge', () => {
  let db: IsolatedDatabase;
  let server: TestServer;
  let clock: Clock;
  let purge: TenantPurgeJob;

  const gql = async <T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>) =>
    server.gql<T>({ query, variables, token });
  const close = (owner: SignedUpOwner, token = owner.accessToken, confirmName = owner.companyName) =>
    gql<{ closeTenant: TenantView }>(token, CLOSE, { input: { confirmName } });
  const logIn = async (email: string) => {
    const response = await server.gql<{ logIn: { accessToken: string; activeTenant: { id: string; status: string } | null } }>({
      query: LOG_IN,
      variables: { input: { email, password: STRONG_PASSWORD } },
    });
    return dataOf(response).logIn;
  };
  const at = (ms: number) => jest.spyOn(clock, 'now').mockReturnValue(new Date(ms));
  const tenantRow = async (id: string) =>
    (
      await db.query<{ status: string; purged_at: Date | null; legal_hold_until: Date | null; closed_at: Date | null; phone: string | null }>(
        `select status, purged_at, legal_hold_until, closed_at, phone from tenant where id = $1`,
        [id],
      )
    )[0];

  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startTestServer({ DATABASE_URL: db.url, MAINTENANCE_INTERVAL_MINUTES: '0', PRIVACY_JOB_INTERVAL_SECONDS: '0' });
    clock = server.app.get(Clock);
    purge = server.app.get(TenantPurgeJob);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  it("lists the retention policies each module declares, with this deployment's periods", async () => {
    const policies = dataOf(
      await server.gql<{ retentionPolicies: { kind: string; days: number | null; configuredBy: string }[] }>({ query: RETENTION }),
    ).retentionPolicies;
    const byKind = new Map(policies.map((p) => [p.kind, p]));
    for (const kind of ['USAGE_EVENTS', 'IP_ADDRESSES', 'PRIVACY_EXPORTS', 'CLOSED_TENANT_DATA', 'LEGAL_HOLD_RECORDS']) expect(byKind.has(kind)).toBe(true);
    expect(byKind.get('USAGE_EVENTS')).toMatchObject({ days: 180, configuredBy: 'USAGE_RETENTION_DAYS (environment)' });
    expect(byKind.get('IP_ADDRESSES')).toMatchObject({ days: 30 });
    expect(byKind.get('PRIVACY_EXPORTS')).toMatchObject({ days: 7 });
    expect(byKind.get('CLOSED_TENANT_DATA')).toMatchObject({ days: 30, configuredBy: 'TENANT_CLOSURE_GRACE_DAYS (environment)' });
    expect(byKind.get('LEGAL_HOLD_RECORDS')).toMatchObject({ days: null });
  });

  it('only the owner closes the tenant, and only with its name typed again; nothing changes otherwise', async () => {
    const owner = await signUpOwner(server);
    const admin = await addMember(server, owner, 'ADMIN');
    const refused = await close(owner, admin.accessToken);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.body.errors?.[0].extensions?.missingPermissions).toEqual([Permission.TENANT_CLOSE]);
    expect(errorCode(await close(owner, owner.accessToken, 'Some Other Company'))).toBe('BAD_USER_INPUT');
    expect((await tenantRow(owner.tenantId)).status).toBe('ACTIVE');
    expect(errorCode(await gql(owner.accessToken, CLIENTS))).toBeUndefined();
  });

  it('makes the tenant read-only at once and signs its members out; reopening within the grace period restores it', async () => {
    const owner = await signUpOwner(server);
    const member = await addMember(server, owner, 'SALES_REP');
    const key = await createApiKey(server, owner, ['CLIENTS_READ', 'CLIENTS_WRITE']);
    await createContact(server, owner, (await createClient(server, owner)).id);
    const { createSupportRequest: thread } = dataOf(
      await gql<{ createSupportRequest: { id: string } }>(owner.accessToken, SUPPORT, { input: { subject: 'Proofs', body: 'Where do they go?' } }),
    );
    const now = Date.now();
    at(now);

    const closed = dataOf(await close(owner)).closeTenant;
    expect(closed).toMatchObject({ status: 'CLOSED', closedAt: new Date(now).toISOString(), purgeAfter: new Date(now + 30 * DAY_MS).toISOString() });
    // Every session acting in the tenant is revoked: the very next request is refused.
    expect(errorCode(await gql(owner.accessToken, ME))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(member.accessToken, ME))).toBe('UNAUTHENTICATED');

    // Signing in again works; reading works; every change is refused, by members and API keys alike.
    const again = await logIn(owner.email);
    expect(again.activeTenant).toEqual({ id: owner.tenantId, status: 'CLOSED' });
    expect(dataOf(await gql<{ clients: { totalCount: number } }>(again.accessToken, CLIENTS)).clients.totalCount).toBe(1);
    const write = await gql(again.accessToken, CREATE_CLIENT, { input: { name: 'After closure' } });
    expect(errorCode(write)).toBe('TENANT_CLOSED');
    expect(write.body.errors?.[0].extensions?.purgeAfter).toBe(new Date(now + 30 * DAY_MS).toISOString());
    expect(errorCode(await gql(key.secret, CREATE_CLIENT, { input: { name: 'By the partner' } }))).toBe('TENANT_CLOSED');
    expect(dataOf(await gql<{ clients: { totalCount: number } }>(key.secret, CLIENTS)).clients.totalCount).toBe(1);
    expect(errorCode(await close(owner, again.accessToken))).toBe('TENANT_CLOSED');
    // The attachment route (REST) is refused alike, with HTTP 403 and the same code.
    const upload = await fetch(`${server.url}/support/requests/${thread.id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${again.accessToken}`, 'content-type': 'image/png', 'x-file-name': 'proof.png' },
      body: new Uint8Array(Buffer.from('not really a png')),
    });
    expect(upload.status).toBe(403);
    expect(((await upload.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('TENANT_CLOSED');

    at(now + 29 * DAY_MS);
    expect(await purge.run()).toEqual([]);
    const reopened = dataOf(await gql<{ reopenTenant: TenantView }>(again.accessToken, REOPEN)).reopenTenant;
    expect(reopened).toMatchObject({ status: 'ACTIVE', closedAt: null, purgeAfter: null });
    expect(errorCode(await gql(again.accessToken, CREATE_CLIENT, { input: { name: 'After reopening' } }))).toBeUndefined();
    const memberAgain = await logIn(member.email);
    expect(memberAgain.activeTenant).toEqual({ id: owner.tenantId, status: 'ACTIVE' });
    expect(errorCode(await gql(again.accessToken, REOPEN))).toBe('INVALID_TRANSITION');
  });

  it('purges after the grace period all but legal-hold records, which are pseudonymised, and those when the legal hold ends', async () => {
    const tag = randomUUID().slice(0, 8);
    const person = {
      firstName: `Ottoline${tag}`,
      lastName: `Brackenridge${tag}`,
      email: `ob.${tag}@closure.example`,
      phone: `+44 20 7946 ${tag.replace(/\D/g, '').padEnd(4, '3').slice(0, 4)}`,
    };
    const owner = await signUpOwner(server);
    const member = await addMember(server, owner, 'SALES_REP');
    await createApiKey(server, owner, ['ORDERS_READ']);
    const clientId = (await createClient(server, owner)).id;
    const contact = await createContact(server, owner, clientId, person);
    const order = await createOrder(server, owner, clientId, { contactId: contact.id, notes: `Hand to ${person.firstName} at reception` });
    const [before] = await db.query<{ subtotal: string }>(`select subtotal from "order" where id = $1`, [order.id]);
    const token = owner.accessToken;
    dataOf(
      await gql(token, RECORD_CONSENT, { input: { contactId: contact.id, source: 'SIGN_UP', choices: [{ purpose: 'MARKETING_EMAIL', status: 'GRANTED' }] } }),
    );
    dataOf(
      await gql(token, LOG, {
        input: {
          clientId,
          contactId: contact.id,
          channel: 'EMAIL',
          direction: 'OUTBOUND',
          body: `Hi ${person.firstName}`,
          occurredAt: new Date().toISOString(),
        },
      }),
    );
    dataOf(await gql(member.accessToken, SUPPORT, { input: { subject: `Help for ${person.lastName}`, body: `Call ${person.phone}` } }));
    dataOf(await gql(token, FILE, { input: { contactId: contact.id, type: 'ACCESS', note: `Asked by ${person.firstName} ${person.lastName}` } }));
    dataOf(await gql(token, SETTINGS, { input: { taxRetentionYears: 7 } }));
    // An invoice as the Stripe webhooks store it (billing's own suite covers how it gets there).
    await db.query(
      `insert into billing_invoice (id, created_at, updated_at, tenant_id, stripe_invoice_id, number, amount_due, amount_paid, currency, status,
                                    period_start, period_end, issued_at)
       values (gen_random_uuid(), now(), now(), $1, $2, 'INV-0001', 4900, 4900, 'eur', 'PAID', now(), now() + interval '1 month', now())`,
      [owner.tenantId, `in_closure_${tag}`],
    );
    // Another tenant, untouched by all of this.
    const neighbour = await signUpOwner(server);
    const neighbourClient = await createClient(server, neighbour);
    const neighbourRows = await rowsOf(db, neighbour.tenantId);

    const closedAt = Date.now();
    at(closedAt);
    dataOf(await close(owner));
    const terms = [person.email, person.phone, person.firstName, person.lastName];
    expect(await traces(terms, db.query)).not.toEqual([]);

    // After the grace period: too late to reopen.
    const afterGrace = closedAt + 31 * DAY_MS;
    at(afterGrace);
    const signedIn = await logIn(owner.email);
    expect(errorCode(await gql(signedIn.accessToken, REOPEN))).toBe('INVALID_TRANSITION');

    // A failure in the middle of the purge rolls the whole phase back; the next run does it all.
    const eraser = server.app.get(PersonalDataEraser);
    const original = eraser.eraseTenantRows.bind(eraser);
    jest.spyOn(eraser, 'eraseTenantRows').mockImplementationOnce(() => Promise.reject(new Error('Crashed half-way through the purge.')));
    await expect(purge.run()).rejects.toThrow('Crashed half-way through the purge.');
    expect((await tenantRow(owner.tenantId)).status).toBe('CLOSED');
    expect((await rowsOf(db, owner.tenantId)).communication).toBe(1);
    jest.spyOn(eraser, 'eraseTenantRows').mockImplementation(original);

    const [outcome] = await purge.run();
    expect(outcome).toMatchObject({ tenantId: owner.tenantId, phase: 'purge' });
    expect(outcome.deleted).toMatchObject({ communication: 1, support_request: 1, api_key: 1, membership: 2, contact_consent_event: 1 });
    expect(outcome.pseudonymised).toMatchObject({ contact: 1 });

    // What stays: the order with its sums, its client, the pseudonymised contact, the request record, the audit trail.
    const left = await rowsOf(db, owner.tenantId);
    expect(Object.keys(left).sort()).toEqual(
      ['audit_entry', 'billing_invoice', 'client', 'contact', 'data_subject_request', 'order', 'order_line', 'order_status_change']
        .filter((t) => t in left)
        .sort(),
    );
    expect(left).toMatchObject({ order: 1, client: 1, contact: 1, data_subject_request: 1, billing_invoice: 1 });
    const [after] = await db.query<{ subtotal: string }>(`select subtotal from "order" where id = $1`, [order.id]);
    expect(after).toEqual(before);
    const [pseudonymised] = await db.query<{ first_name: string; email: string | null; phone: string | null }>(
      `select first_name, email, phone from contact where id = $1`,
      [contact.id],
    );
    expect(pseudonymised).toEqual({ first_name: expect.stringMatching(/^erased-[0-9a-f]{12}$/), email: null, phone: null });
    expect(await traces(terms, db.query)).toEqual([]);
    const devices = await db.query<{ n: string }>(
      `select count(*) as n from audit_entry where tenant_id = $1 and (ip is not null or user_agent is not null or browser is not null)`,
      [owner.tenantId],
    );
    expect(Number(devices[0].n)).toBe(0);
    // The redacted trail still verifies.
    const orm = server.app.get<MikroORM>(MikroORM);
    const chain = await OrmRequestContext.create(tenantScopedFork(orm, owner.tenantId), () =>
      server.app.get(AuditTrailService).verify(systemContext('test', owner.tenantId, new Set([Permission.AUDIT_READ]))),
    );
    expect(chain).toMatchObject({ valid: true, problem: null });
    expect(await tenantRow(owner.tenantId)).toMatchObject({
      status: 'PURGED',
      phone: null,
      legal_hold_until: new Date(new Date(closedAt).setUTCFullYear(new Date(closedAt).getUTCFullYear() + 7)),
    });
    // Members keep their accounts, in no tenant.
    expect((await logIn(member.email)).activeTenant).toBeNull();
    expect(await purge.run()).toEqual([]);

    // When the legal hold ends, nothing of the tenant is left, the tenant included; the neighbour is untouched.
    at(closedAt + 7 * 366 * DAY_MS);
    const [last] = await purge.run();
    expect(last).toMatchObject({ tenantId: owner.tenantId, phase: 'legal-hold-end' });
    expect(await rowsOf(db, owner.tenantId)).toEqual({});
    expect(await tenantRow(owner.tenantId)).toBeUndefined();
    expect(await db.query(`select 1 from audit_chain_head where chain_key = $1`, [owner.tenantId])).toEqual([]);
    expect(await rowsOf(db, neighbour.tenantId)).toEqual(neighbourRows);
    expect(await db.query(`select id from client where id = $1`, [neighbourClient.id])).toHaveLength(1);
  });
});
