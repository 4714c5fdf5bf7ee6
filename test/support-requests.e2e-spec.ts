import { createHash, randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { supportStaffFork } from '../src/database/tenant-session.js';
import { privilegedQuery } from './support/database.js';
import { addMember, createApiKey, signUpOwner, type Member, type SignedUpOwner } from './support/fixtures.js';
import { badFields, dataOf, errorCode, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server.js';

const ATTACHMENT_FIELDS = `id fileName contentType sizeBytes sha256 uploadedByUserId uploadedAt downloadPath`;
const REQUEST_FIELDS = `id subject body status createdByUserId createdAt updatedAt lastActivityAt
  replies { id body fromSupportStaff authorUserId createdAt } attachments { ${ATTACHMENT_FIELDS} }`;
const CREATE = `mutation($input: CreateSupportRequestInput!) { createSupportRequest(input: $input) { ${REQUEST_FIELDS} } }`;
const GET = `query($id: ID!) { supportRequest(id: $id) { ${REQUEST_FIELDS} } }`;
const LIST = `query($first: Int, $after: String, $last: Int, $before: String, $filter: SupportRequestFilter) {
  supportRequests(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount edges { cursor node { id status subject } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
  }
}`;
const REPLY = `mutation($id: ID!, $body: String!) { replyToSupportRequest(input: { id: $id, body: $body }) { ${REQUEST_FIELDS} } }`;
const CLOSE = `mutation($id: ID!) { closeSupportRequest(input: { id: $id }) { id status } }`;
const QUEUE = `query($first: Int, $last: Int, $filter: SupportRequestFilter) {
  supportQueue(first: $first, last: $last, filter: $filter) {
    totalCount edges { node { id status subject tenant { id name } replies { body fromSupportStaff } attachments { id fileName } } }
  }
}`;
const FOR_STAFF = `query($id: ID!) { supportRequestForStaff(id: $id) { ${REQUEST_FIELDS} tenant { id name } } }`;
const ANSWER = `mutation($id: ID!, $body: String!) { answerSupportRequest(input: { id: $id, body: $body }) { ${REQUEST_FIELDS} tenant { id name } } }`;

interface Attachment {
  id: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  uploadedByUserId: string;
  uploadedAt: string;
  downloadPath: string;
}
interface Reply {
  id: string;
  body: string;
  fromSupportStaff: boolean;
  authorUserId: string;
  createdAt: string;
}
interface SupportRequestData {
  id: string;
  subject: string;
  body: string;
  status: string;
  createdByUserId: string;
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
  replies: Reply[];
  attachments: Attachment[];
  tenant?: { id: string; name: string };
}
interface ListData {
  supportRequests: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; status: string; subject: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null; startCursor: string | null };
  };
}
interface QueueData {
  supportQueue: {
    totalCount: number;
    edges: {
      node: {
        id: string;
        status: string;
        subject: string;
        tenant: { id: string; name: string };
        replies: { body: string; fromSupportStaff: boolean }[];
        attachments: { id: string; fileName: string }[];
      };
    }[];
  };
}

const MAX_BYTES = 5 * 1024 * 1024;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(1000)]);

function expectBadField(response: GraphQLResponse, field: string): void {
  expect(errorCode(response)).toBe('BAD_USER_INPUT');
  expect(badFields(response)).toContain(field);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface RestError {
  errors: { message: string; extensions: { code: string; [key: string]: unknown } }[];
}

async function restError(response: Response): Promise<{ status: number; code: string; body: RestError }> {
  const body = (await response.json()) as RestError;
  return { status: response.status, code: body.errors[0].extensions.code, body };
}

async function rowsOf(tenantId: string) {
  const requests = await privilegedQuery<{ id: string; status: string; updated_at: Date; last_activity_at: Date }>(
    'select id, status, updated_at, last_activity_at from support_request where tenant_id = $1 order by id',
    [tenantId],
  );
  const replies = await privilegedQuery<{ id: string; request_id: string }>('select id, request_id from support_reply where tenant_id = $1 order by id', [
    tenantId,
  ]);
  const attachments = await privilegedQuery<{ id: string; request_id: string; size_bytes: number; sha256: string }>(
    'select id, request_id, size_bytes, sha256 from support_attachment where tenant_id = $1 order by id',
    [tenantId],
  );
  return { requests, replies, attachments };
}

/** A user made PromoX support staff, as only the database can. */
async function makeSupportStaff(server: TestServer): Promise<SignedUpOwner> {
  const user = await signUpOwner(server, { fullName: 'Sam Support' });
  await privilegedQuery(`update "user" set platform_role = 'SUPPORT' where id = $1`, [user.userId]);
  return user;
}

interface StaffRead {
  tenant_id: string;
  target_id: string;
  action: string;
  actor_type: string;
  actor_user_id: string;
}

function staffReads(requestId: string): Promise<StaffRead[]> {
  return privilegedQuery<StaffRead>(
    `select tenant_id, target_id, action, actor_type::text as actor_type, actor_user_id from audit_entry
      where request_id = $1 and action like 'supportRequest.staffRead:%' order by chain_seq`,
    [requestId],
  );
}

describe('support requests', () => {
  let server: TestServer;
  let a: SignedUpOwner;
  let aViewer: Member;
  let aKey: { id: string; secret: string };
  let b: SignedUpOwner;
  let staff: SignedUpOwner;

  const create = (token: string, input: Record<string, unknown>) =>
    server.gql<{ createSupportRequest: SupportRequestData }>({ query: CREATE, variables: { input }, token });
  const created = async (token: string, subject = 'The PDF proofs do not open') =>
    dataOf(await create(token, { subject, body: 'Since this morning every proof PDF shows a blank page.' })).createSupportRequest;
  const get = async (token: string, id: string) =>
    dataOf(await server.gql<{ supportRequest: SupportRequestData }>({ query: GET, variables: { id }, token })).supportRequest;

  function upload(requestId: string, bytes: Buffer, options: { token?: string; type?: string | null; name?: string | null } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.type !== null) headers['content-type'] = options.type ?? 'image/png';
    if (options.name !== null) headers['x-file-name'] = options.name ?? 'screenshot.png';
    return fetch(`${server.url}/support/requests/${requestId}/attachments`, { method: 'POST', headers, body: new Uint8Array(bytes) });
  }
  async function uploaded(requestId: string, bytes: Buffer, options: { token: string; type?: string; name?: string }): Promise<Attachment> {
    const response = await upload(requestId, bytes, options);
    if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
    return (await response.json()) as Attachment;
  }
  const download = (path: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });

  beforeAll(async () => {
    server = await startTestServer();
    a = await signUpOwner(server);
    aViewer = await addMember(server, a, 'VIEWER');
    aKey = await createApiKey(server, a, ['CLIENTS_READ', 'MEMBERS_READ']);
    b = await signUpOwner(server);
    staff = await makeSupportStaff(server);
  });
  afterAll(() => server.close());

  describe('the tenant side', () => {
    it('lets any member write to support, and every member of the tenant read it', async () => {
      const request = await created(aViewer.accessToken);
      expect(request).toMatchObject({
        subject: 'The PDF proofs do not open',
        body: 'Since this morning every proof PDF shows a blank page.',
        status: 'OPEN',
        createdByUserId: aViewer.userId,
        replies: [],
        attachments: [],
      });
      expect(await get(a.accessToken, request.id)).toEqual(request);
      const list = dataOf(await server.gql<ListData>({ query: LIST, variables: { first: 100 }, token: a.accessToken })).supportRequests;
      expect(list.edges.map((e) => e.node.id)).toContain(request.id);
      const [row] = (await rowsOf(a.tenantId)).requests.filter((r) => r.id === request.id);
      expect(row.status).toBe('OPEN');
    });

    it('validates subject and body, storing nothing', async () => {
      const before = await rowsOf(a.tenantId);
      const body = 'Details.';
      expectBadField(await create(a.accessToken, { subject: '', body }), 'subject');
      expectBadField(await create(a.accessToken, { subject: '   ', body }), 'subject');
      expectBadField(await create(a.accessToken, { subject: 's'.repeat(201), body }), 'subject');
      expectBadField(await create(a.accessToken, { subject: 'Help', body: '' }), 'body');
      expectBadField(await create(a.accessToken, { subject: 'Help', body: 'b'.repeat(20_001) }), 'body');
      expectBadField(await create(a.accessToken, { subject: 'Help', body: 'nul\u0000' }), 'body');
      const request = await created(a.accessToken);
      const afterCreate = await rowsOf(a.tenantId);
      expectBadField(await server.gql({ query: REPLY, variables: { id: request.id, body: 'r'.repeat(20_001) }, token: a.accessToken }), 'body');
      expectBadField(await server.gql({ query: REPLY, variables: { id: request.id, body: ' ' }, token: a.accessToken }), 'body');
      expectBadField(await server.gql({ query: GET, variables: { id: 'not-a-uuid' }, token: a.accessToken }), 'id');
      expect(await rowsOf(a.tenantId)).toEqual(afterCreate);
      expect(afterCreate.requests).toHaveLength(before.requests.length + 1);

      // The limits themselves are accepted.
      const edge = dataOf(await create(a.accessToken, { subject: 's'.repeat(200), body: 'b'.repeat(20_000) })).createSupportRequest;
      expect(edge.subject).toHaveLength(200);
      expect(edge.body).toHaveLength(20_000);
    });

    it('is for signed-in members only: not API keys, not anonymous callers', async () => {
      const request = await created(a.accessToken);
      expect(errorCode(await create(aKey.secret, { subject: 'x', body: 'y' }))).toBe('FORBIDDEN');
      expect(errorCode(await server.gql({ query: GET, variables: { id: request.id }, token: aKey.secret }))).toBe('FORBIDDEN');
      expect(errorCode(await server.gql({ query: LIST, variables: {}, token: aKey.secret }))).toBe('FORBIDDEN');
      expect(errorCode(await server.gql({ query: REPLY, variables: { id: request.id, body: 'x' }, token: aKey.secret }))).toBe('FORBIDDEN');
      expect(errorCode(await server.gql({ query: CLOSE, variables: { id: request.id }, token: aKey.secret }))).toBe('FORBIDDEN');
      expect(errorCode(await server.gql({ query: LIST, variables: {} }))).toBe('UNAUTHENTICATED');
      expect(errorCode(await create('', { subject: 'x', body: 'y' }))).toBe('UNAUTHENTICATED');
      expect((await get(a.accessToken, request.id)).status).toBe('OPEN');
    });

    it("lists the tenant's requests newest first, filtered by status, page by page, counted when asked", async () => {
      const c = await signUpOwner(server);
      const first = await created(c.accessToken, 'first');
      const second = await created(c.accessToken, 'second');
      const third = await created(c.accessToken, 'third');
      dataOf(await server.gql({ query: CLOSE, variables: { id: second.id }, token: c.accessToken }));

      const list = (variables: Record<string, unknown>) =>
        server.gql<ListData>({ query: LIST, variables, token: c.accessToken }).then((r) => dataOf(r).supportRequests);
      const all = await list({ first: 100 });
      expect(all.edges.map((e) => e.node.id)).toEqual([third.id, second.id, first.id]);
      expect(all.totalCount).toBe(3);
      const open = await list({ filter: { status: 'OPEN' } });
      expect(open.edges.map((e) => e.node.id)).toEqual([third.id, first.id]);
      expect(open.totalCount).toBe(2);
      expect((await list({ filter: { status: 'CLOSED' } })).edges.map((e) => e.node.subject)).toEqual(['second']);
      expect((await list({ filter: { status: 'ANSWERED' } })).totalCount).toBe(0);

      const page1 = await list({ first: 2 });
      expect(page1.edges.map((e) => e.node.id)).toEqual([third.id, second.id]);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      const page2 = await list({ first: 2, after: page1.pageInfo.endCursor });
      expect(page2.edges.map((e) => e.node.id)).toEqual([first.id]);
      expect(page2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
      const back = await list({ last: 2, before: page2.pageInfo.startCursor });
      expect(back.edges.map((e) => e.node.id)).toEqual([third.id, second.id]);

      expect(errorCode(await server.gql({ query: LIST, variables: { first: 101 }, token: c.accessToken }))).toBe('BAD_USER_INPUT');
      // Forged cursors (an id that is not a uuid, a time PostgreSQL cannot hold) are bad input, never a database error.
      const forged = (key: unknown, id: string) => Buffer.from(JSON.stringify([key, id])).toString('base64url');
      for (const after of [forged(new Date().toISOString(), '-'.repeat(36)), forged('-200000-01-01T00:00:00Z', first.id), forged(12, first.id)]) {
        expect(errorCode(await server.gql({ query: LIST, variables: { first: 1, after }, token: c.accessToken }))).toBe('BAD_USER_INPUT');
      }
    });
  });

  describe('status', () => {
    it('moves OPEN → ANSWERED on a staff reply, back to OPEN on a member reply, and CLOSED for good', async () => {
      const request = await created(a.accessToken);
      const answered = dataOf(
        await server.gql<{ answerSupportRequest: SupportRequestData }>({
          query: ANSWER,
          variables: { id: request.id, body: 'Please try again now: fixed.' },
          token: staff.accessToken,
        }),
      ).answerSupportRequest;
      expect(answered.status).toBe('ANSWERED');
      expect(answered.tenant).toEqual({ id: a.tenantId, name: a.companyName });
      expect(answered.replies).toEqual([expect.objectContaining({ body: 'Please try again now: fixed.', fromSupportStaff: true, authorUserId: staff.userId })]);
      expect(new Date(answered.lastActivityAt).getTime()).toBeGreaterThanOrEqual(new Date(request.lastActivityAt).getTime());

      const reopened = dataOf(
        await server.gql<{ replyToSupportRequest: SupportRequestData }>({
          query: REPLY,
          variables: { id: request.id, body: 'Still blank for the second proof.' },
          token: aViewer.accessToken,
        }),
      ).replyToSupportRequest;
      expect(reopened.status).toBe('OPEN');
      expect(reopened.replies.map((r) => [r.fromSupportStaff, r.authorUserId])).toEqual([
        [true, staff.userId],
        [false, aViewer.userId],
      ]);

      const again = dataOf(
        await server.gql<{ answerSupportRequest: SupportRequestData }>({
          query: ANSWER,
          variables: { id: request.id, body: 'Cleared the cache for that one too.' },
          token: staff.accessToken,
        }),
      ).answerSupportRequest;
      expect(again.status).toBe('ANSWERED');
      // A member reply on an OPEN request keeps it OPEN.
      const other = await created(a.accessToken);
      const stillOpen = dataOf(
        await server.gql<{ replyToSupportRequest: SupportRequestData }>({
          query: REPLY,
          variables: { id: other.id, body: 'More detail.' },
          token: a.accessToken,
        }),
      );
      expect(stillOpen.replyToSupportRequest.status).toBe('OPEN');

      const closed = dataOf(
        await server.gql<{ closeSupportRequest: { status: string } }>({ query: CLOSE, variables: { id: request.id }, token: a.accessToken }),
      );
      expect(closed.closeSupportRequest.status).toBe('CLOSED');

      // The staff replies belong to the request's tenant, though staff act in none.
      const rows = await rowsOf(a.tenantId);
      expect(rows.replies.filter((r) => r.request_id === request.id)).toHaveLength(3);
      const before = rows;

      const refusals = [
        await server.gql({ query: REPLY, variables: { id: request.id, body: 'one more thing' }, token: a.accessToken }),
        await server.gql({ query: ANSWER, variables: { id: request.id, body: 'late answer' }, token: staff.accessToken }),
        await server.gql({ query: CLOSE, variables: { id: request.id }, token: a.accessToken }),
      ];
      for (const refusal of refusals) expect(errorCode(refusal)).toBe('INVALID_TRANSITION');
      const late = await restError(await upload(request.id, PNG, { token: a.accessToken }));
      expect([late.status, late.code]).toEqual([409, 'INVALID_TRANSITION']);
      expect(await rowsOf(a.tenantId)).toEqual(before);
      expect((await get(a.accessToken, request.id)).status).toBe('CLOSED');

      // Closing straight from OPEN is allowed.
      const direct = await created(a.accessToken);
      expect(
        dataOf(await server.gql<{ closeSupportRequest: { status: string } }>({ query: CLOSE, variables: { id: direct.id }, token: aViewer.accessToken }))
          .closeSupportRequest.status,
      ).toBe('CLOSED');
    });
  });

  describe('attachments', () => {
    it('stores an upload with its size and SHA-256, lists it, and serves the exact bytes as a download', async () => {
      const request = await created(a.accessToken);
      const before = await get(a.accessToken, request.id);
      const attachment = await uploaded(request.id, PNG, { token: aViewer.accessToken });
      expect(attachment).toMatchObject({
        fileName: 'screenshot.png',
        contentType: 'image/png',
        sizeBytes: PNG.length,
        sha256: sha256(PNG),
        uploadedByUserId: aViewer.userId,
        downloadPath: `/support/attachments/${attachment.id}`,
      });

      const read = await get(a.accessToken, request.id);
      expect(read.attachments).toEqual([attachment]);
      expect(new Date(read.lastActivityAt).getTime()).toBeGreaterThanOrEqual(new Date(before.lastActivityAt).getTime());
      const [row] = (await rowsOf(a.tenantId)).attachments.filter((r) => r.id === attachment.id);
      expect(row).toMatchObject({ request_id: request.id, size_bytes: PNG.length, sha256: sha256(PNG) });
      const [stored] = await privilegedQuery<{ content: Buffer }>('select content from support_attachment where id = $1', [attachment.id]);
      expect(Buffer.compare(stored.content, PNG)).toBe(0);

      const response = await download(attachment.downloadPath, a.accessToken);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="screenshot.png"; filename*=UTF-8''screenshot.png`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-length')).toBe(String(PNG.length));
      expect(Buffer.compare(Buffer.from(await response.arrayBuffer()), PNG)).toBe(0);
    });

    it('keeps a UTF-8 name sent RFC 5987-style, and the exact stored type', async () => {
      const request = await created(a.accessToken);
      const pdf = Buffer.from('%PDF-1.7\n% proof\n');
      const name = 'Prüfbericht "Q3" 100%.pdf';
      const attachment = await uploaded(request.id, pdf, { token: a.accessToken, type: 'application/pdf', name: `UTF-8''${encodeURIComponent(name)}` });
      expect(attachment.fileName).toBe(name);
      const response = await download(attachment.downloadPath, a.accessToken);
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="Pr_fbericht _Q3_ 100_.pdf"; filename*=UTF-8''Pr%C3%BCfbericht%20%22Q3%22%20100%25.pdf`,
      );

      // Parameters of the type are dropped, and the type is served exactly as stored (no charset added).
      const text = await uploaded(request.id, Buffer.from('order 123 is late\n'), {
        token: a.accessToken,
        type: 'Text/Plain; charset=utf-8',
        name: 'notes.txt',
      });
      expect(text.contentType).toBe('text/plain');
      const served = await download(text.downloadPath, a.accessToken);
      expect(served.headers.get('content-type')).toBe('text/plain');
      expect(await served.text()).toBe('order 123 is late\n');
      const csv = await uploaded(request.id, Buffer.from('sku,qty\nMUG-1,500\n'), { token: a.accessToken, type: 'text/csv', name: 'order.csv' });
      expect(csv.contentType).toBe('text/csv');
    });

    it('refuses oversize files (413), other types (415), empty files and bad names (400), storing nothing', async () => {
      const request = await created(a.accessToken);
      const before = await rowsOf(a.tenantId);

      const oversize = await restError(await upload(request.id, Buffer.alloc(MAX_BYTES + 1, 1), { token: a.accessToken }));
      expect([oversize.status, oversize.code]).toEqual([413, 'FILE_TOO_LARGE']);
      expect(oversize.body.errors[0].extensions.maxBytes).toBe(MAX_BYTES);

      for (const type of ['text/html', 'image/svg+xml', 'application/x-msdownload']) {
        const refused = await restError(await upload(request.id, Buffer.from('<svg onload="alert(1)"/>'), { token: a.accessToken, type }));
        expect([refused.status, refused.code]).toEqual([415, 'UNSUPPORTED_FILE_TYPE']);
      }
      // JSON is parsed by the server's JSON body parser before the route runs; well-formed, it still reaches the type check.
      const json = await restError(await upload(request.id, Buffer.from('{"a":1}'), { token: a.accessToken, type: 'application/json' }));
      expect([json.status, json.code]).toEqual([415, 'UNSUPPORTED_FILE_TYPE']);
      const untyped = await restError(await upload(request.id, PNG, { token: a.accessToken, type: null }));
      expect([untyped.status, untyped.code]).toEqual([415, 'UNSUPPORTED_FILE_TYPE']);

      const empty = await restError(await upload(request.id, Buffer.alloc(0), { token: a.accessToken }));
      expect([empty.status, empty.code]).toEqual([400, 'BAD_USER_INPUT']);

      for (const name of [null, '', '..', '..%2Fetc%2Fpasswd', 'a%5Cb.png', 'bad%ZZ.png', 'line%0Abreak.png', 'n'.repeat(256)]) {
        const refused = await restError(await upload(request.id, PNG, { token: a.accessToken, name }));
        expect([name, refused.status, refused.code]).toEqual([name, 400, 'BAD_USER_INPUT']);
      }

      expect(await rowsOf(a.tenantId)).toEqual(before);

      // Exactly the limit is accepted.
      const atLimit = await uploaded(request.id, Buffer.alloc(MAX_BYTES, 2), { token: a.accessToken, type: 'application/zip', name: 'big.zip' });
      expect(atLimit.sizeBytes).toBe(MAX_BYTES);
    });

    it('refuses a streamed upload without a length once it passes the limit', async () => {
      const request = await created(a.accessToken);
      const before = await rowsOf(a.tenantId);
      const chunk = new Uint8Array(1024 * 1024).fill(7);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 6) {
            controller.close();
            return;
          }
          sent += 1;
          controller.enqueue(chunk);
        },
      });
      const response = await fetch(`${server.url}/support/requests/${request.id}/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.accessToken}`, 'content-type': 'application/zip', 'x-file-name': 'stream.zip' },
        body,
        duplex: 'half',
      });
      const refused = await restError(response);
      expect([refused.status, refused.code]).toEqual([413, 'FILE_TOO_LARGE']);
      expect(await rowsOf(a.tenantId)).toEqual(before);
    });

    it('allows at most 10 files per request', async () => {
      const request = await created(a.accessToken);
      for (let i = 0; i < 10; i += 1) await uploaded(request.id, Buffer.from(`file ${i}`), { token: a.accessToken, type: 'text/plain', name: `f${i}.txt` });
      const before = await rowsOf(a.tenantId);
      const refused = await restError(await upload(request.id, PNG, { token: a.accessToken }));
      expect([refused.status, refused.code]).toEqual([400, 'BAD_USER_INPUT']);
      expect(refused.body.errors[0].extensions.maxAttachments).toBe(10);
      expect(await rowsOf(a.tenantId)).toEqual(before);
      expect((await get(a.accessToken, request.id)).attachments).toHaveLength(10);
    });

    it("needs a member's credential to upload, and a member's or staff's to download", async () => {
      const request = await created(a.accessToken);
      const attachment = await uploaded(request.id, PNG, { token: a.accessToken });
      const before = await rowsOf(a.tenantId);

      const anonymous = await restError(await upload(request.id, PNG));
      expect([anonymous.status, anonymous.code]).toEqual([401, 'UNAUTHENTICATED']);
      const badToken = await restError(await upload(request.id, PNG, { token: 'pxk_not-a-real-key' }));
      expect([badToken.status, badToken.code]).toEqual([401, 'UNAUTHENTICATED']);
      const key = await restError(await upload(request.id, PNG, { token: aKey.secret }));
      expect([key.status, key.code]).toEqual([403, 'FORBIDDEN']);
      const staffUpload = await restError(await upload(request.id, PNG, { token: staff.accessToken }));
      expect([staffUpload.status, staffUpload.code]).toEqual([403, 'FORBIDDEN']);
      expect(await rowsOf(a.tenantId)).toEqual(before);

      expect((await restError(await download(attachment.downloadPath))).status).toBe(401);
      expect((await restError(await download(attachment.downloadPath, aKey.secret))).status).toBe(403);
      expect((await download(attachment.downloadPath, staff.accessToken)).status).toBe(200);
      const missing = await restError(await download('/support/attachments/01a210de-0000-7000-8000-000000000000', a.accessToken));
      expect([missing.status, missing.code]).toEqual([404, 'NOT_FOUND']);
      expect((await restError(await download('/support/attachments/not-a-uuid', a.accessToken))).status).toBe(404);
      expect((await restError(await upload('not-a-uuid', PNG, { token: a.accessToken }))).status).toBe(404);
    });
  });

  describe('tenant isolation', () => {
    it("reads another tenant's support request and attachment as not found, and leaves them unchanged", async () => {
      const request = await created(a.accessToken);
      const attachment = await uploaded(request.id, PNG, { token: a.accessToken });
      const bRequest = await created(b.accessToken);
      const aBefore = await rowsOf(a.tenantId);
      const bBefore = await rowsOf(b.tenantId);

      expect(errorCode(await server.gql({ query: GET, variables: { id: request.id }, token: b.accessToken }))).toBe('NOT_FOUND');
      expect(errorCode(await server.gql({ query: REPLY, variables: { id: request.id, body: 'hi' }, token: b.accessToken }))).toBe('NOT_FOUND');
      expect(errorCode(await server.gql({ query: CLOSE, variables: { id: request.id }, token: b.accessToken }))).toBe('NOT_FOUND');
      const bList = dataOf(await server.gql<ListData>({ query: LIST, variables: { first: 100 }, token: b.accessToken })).supportRequests;
      expect(bList.edges.map((e) => e.node.id)).toEqual([bRequest.id]);
      expect(bList.totalCount).toBe(1);
      const intoA = await restError(await upload(request.id, PNG, { token: b.accessToken }));
      expect([intoA.status, intoA.code]).toEqual([404, 'NOT_FOUND']);
      const fromA = await restError(await download(attachment.downloadPath, b.accessToken));
      expect([fromA.status, fromA.code]).toEqual([404, 'NOT_FOUND']);
      // And the other way round.
      expect(errorCode(await server.gql({ query: GET, variables: { id: bRequest.id }, token: a.accessToken }))).toBe('NOT_FOUND');

      expect(await rowsOf(a.tenantId)).toEqual(aBefore);
      expect(await rowsOf(b.tenantId)).toEqual(bBefore);
    });
  });

  describe('support staff', () => {
    it("see the queue of every tenant with the tenant's name, and every read is in that tenant's audit trail", async () => {
      const aRequest = await created(a.accessToken, 'A needs help');
      const aFile = await uploaded(aRequest.id, PNG, { token: a.accessToken, name: 'a.png' });
      const bRequest = await created(b.accessToken, 'B needs help');

      const queue = dataOf(
        await server.gql<QueueData>({
          query: QUEUE,
          variables: { last: 100, filter: { status: 'OPEN' } },
          token: staff.accessToken,
          headers: { 'x-request-id': 'queue-read-1' },
        }),
      ).supportQueue;
      const byId = new Map(queue.edges.map((e) => [e.node.id, e.node]));
      expect(byId.get(aRequest.id)).toMatchObject({
        subject: 'A needs help',
        tenant: { id: a.tenantId, name: a.companyName },
        attachments: [{ id: aFile.id, fileName: 'a.png' }],
      });
      expect(byId.get(bRequest.id)).toMatchObject({ subject: 'B needs help', tenant: { id: b.tenantId, name: b.companyName }, replies: [] });
      expect(queue.edges.every((e) => e.node.status === 'OPEN')).toBe(true);
      expect(queue.totalCount).toBeGreaterThanOrEqual(2);
      // Longest waiting first: A's request (older activity) before B's.
      const ids = queue.edges.map((e) => e.node.id);
      expect(ids.indexOf(aRequest.id)).toBeLessThan(ids.indexOf(bRequest.id));

      // Each staff read leaves an entry in the trail of the tenant whose request was read, in the reading transaction.
      const queueReads = await staffReads('queue-read-1');
      expect(new Set(queueReads.map((r) => r.target_id))).toEqual(new Set(ids));
      expect(queueReads).toEqual(
        expect.arrayContaining([
          { tenant_id: a.tenantId, target_id: aRequest.id, action: 'supportRequest.staffRead:supportQueue', actor_type: 'STAFF', actor_user_id: staff.userId },
          { tenant_id: b.tenantId, target_id: bRequest.id, action: 'supportRequest.staffRead:supportQueue', actor_type: 'STAFF', actor_user_id: staff.userId },
        ]),
      );

      const single = dataOf(
        await server.gql<{ supportRequestForStaff: SupportRequestData }>({
          query: FOR_STAFF,
          variables: { id: bRequest.id },
          token: staff.accessToken,
          headers: { 'x-request-id': 'single-read-1' },
        }),
      ).supportRequestForStaff;
      expect(single).toMatchObject({ id: bRequest.id, body: bRequest.body, tenant: { id: b.tenantId, name: b.companyName } });
      expect(await staffReads('single-read-1')).toEqual([
        {
          tenant_id: b.tenantId,
          target_id: bRequest.id,
          action: 'supportRequest.staffRead:supportRequestForStaff',
          actor_type: 'STAFF',
          actor_user_id: staff.userId,
        },
      ]);

      const file = await download(aFile.downloadPath, staff.accessToken, { 'x-request-id': 'download-1' });
      expect(Buffer.compare(Buffer.from(await file.arrayBuffer()), PNG)).toBe(0);
      expect(await staffReads('download-1')).toEqual([
        {
          tenant_id: a.tenantId,
          target_id: aRequest.id,
          action: 'supportRequest.staffRead:downloadSupportAttachment',
          actor_type: 'STAFF',
          actor_user_id: staff.userId,
        },
      ]);

      // Members' own reads are not staff reads.
      await server.gql({ query: GET, variables: { id: aRequest.id }, token: a.accessToken, headers: { 'x-request-id': 'member-read-1' } });
      expect(await staffReads('member-read-1')).toEqual([]);
      // The tenant sees them in its own trail.
      const trail = dataOf(
        await server.gql<{ auditEntries: { edges: { node: { action: string; targetId: string; actorType: string } }[] } }>({
          query: `query { auditEntries(first: 100, filter: { actorType: STAFF }) { edges { node { action targetId actorType } } } }`,
          token: b.accessToken,
        }),
      ).auditEntries;
      expect(trail.edges.map((e) => e.node)).toEqual(
        expect.arrayContaining([{ action: 'supportRequest.staffRead:supportRequestForStaff', targetId: bRequest.id, actorType: 'STAFF' }]),
      );
      expect(trail.edges.every((e) => e.node.targetId !== aRequest.id)).toBe(true);

      expect(errorCode(await server.gql({ query: FOR_STAFF, variables: { id: '01a210de-0000-7000-8000-000000000000' }, token: staff.accessToken }))).toBe(
        'NOT_FOUND',
      );
      expect(
        errorCode(await server.gql({ query: ANSWER, variables: { id: '01a210de-0000-7000-8000-000000000000', body: 'x' }, token: staff.accessToken })),
      ).toBe('NOT_FOUND');
      expectBadField(await server.gql({ query: ANSWER, variables: { id: bRequest.id, body: 'a'.repeat(20_001) }, token: staff.accessToken }), 'body');
    });

    it('are the only ones who reach the staff operations', async () => {
      const request = await created(a.accessToken);
      for (const token of [a.accessToken, aViewer.accessToken, b.accessToken]) {
        const queue = await server.gql({ query: QUEUE, variables: {}, token });
        expect(errorCode(queue)).toBe('FORBIDDEN');
        expect(queue.body.errors?.[0]?.message).toBe('This operation is for PromoX staff.');
        expect(errorCode(await server.gql({ query: FOR_STAFF, variables: { id: request.id }, token }))).toBe('FORBIDDEN');
        expect(errorCode(await server.gql({ query: ANSWER, variables: { id: request.id, body: 'x' }, token }))).toBe('FORBIDDEN');
      }
      expect(errorCode(await server.gql({ query: QUEUE, variables: {}, token: aKey.secret }))).toBe('FORBIDDEN');
      expect(errorCode(await server.gql({ query: QUEUE, variables: {} }))).toBe('UNAUTHENTICATED');
      expect((await get(a.accessToken, request.id)).replies).toEqual([]);
    });

    it('reach nothing else of a tenant: no active tenant, no tenant operations, no other tables under their database role', async () => {
      const token = staff.accessToken;
      // The staff user is also the owner of the tenant they signed up with; as staff they act in no tenant at all.
      for (const query of [
        `{ clients(first: 1) { edges { node { id } } } }`,
        `{ members { id } }`,
        `{ apiKeys { id } }`,
        `{ communications(first: 1) { edges { node { id } } } }`,
        `{ supportRequests(first: 1) { edges { node { id } } } }`,
      ]) {
        const response = await server.gql({ query, token });
        expect([query, errorCode(response), response.body.errors?.[0]?.message]).toEqual([query, 'FORBIDDEN', 'No active tenant: switch to a tenant first.']);
      }
      expect(errorCode(await create(token, { subject: 'x', body: 'y' }))).toBe('FORBIDDEN');

      // Under the staff role itself, the database refuses every other tenant table, whatever the code asks.
      const em = supportStaffFork(server.app.get(MikroORM), staff.userId);
      for (const sql of [
        'select id from client',
        'select id from communication',
        'select id from membership',
        'select id from api_key',
        'select billing_email from tenant',
        'select password_hash from "user"',
      ]) {
        await expect(em.execute(sql)).rejects.toThrow(/permission denied/);
      }
      // Their own account rows only (for `me` and `logOut`): no other user's profile or sessions.
      expect(await em.execute<{ id: string }[]>('select id from "user"')).toEqual([{ id: staff.userId }]);
      const sessions = await em.execute<{ family_id: string }[]>('select family_id from refresh_session');
      const own = await privilegedQuery<{ family_id: string }>('select family_id from refresh_session where user_id = $1', [staff.userId]);
      expect(sessions.map((row) => row.family_id).sort()).toEqual(own.map((row) => row.family_id).sort());
      expect(own.length).toBeGreaterThan(0);
      const tenants = await em.execute<{ id: string; name: string }[]>('select id, name from tenant where id in (?, ?)', [a.tenantId, b.tenantId]);
      expect(tenants).toHaveLength(2);
      const requests = await em.execute<{ tenant_id: string }[]>('select distinct tenant_id from support_request');
      expect(requests.map((r) => r.tenant_id)).toEqual(expect.arrayContaining([a.tenantId, b.tenantId]));
      await expect(em.execute('delete from support_request')).rejects.toThrow(/permission denied/);
    });
  });
});
