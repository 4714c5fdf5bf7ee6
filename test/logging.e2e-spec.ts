import { expect } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { ClientService } from '../src/business/clients/client.service';
import { PrivacyJobRunner } from '../src/privacy/jobs/privacy-job.runner';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { signUpOwner, type SignedUpOwner } from './support/fixtures';
import { LEVEL, LogCapture, type LogLine } from './support/log-capture';
import { dataOf, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

/**
 * The log as people read it (docs/operations.md): JSON lines that carry the request they were written for, levels that
 * tell a client's mistake from the server's failure, and messages without stray fragments.
 */

const CLIENTS = `query($first: Int) { clients(first: $first) { edges { node { id name } } } }`;
const CREATE_CLIENT = `mutation($input: CreateClientInput!) { createClient(input: $input) { id } }`;

let db: IsolatedDatabase;

describe('log lines people read', () => {
  const logs = new LogCapture();
  let server: TestServer;
  let owner: SignedUpOwner;
  let sequence = 0;
  const nextId = (label: string) => `log-${label}-${(sequence += 1)}-${Date.now()}`;

  const send = (requestId: string, query: string, variables?: Record<string, unknown>, token: string | null = owner.accessToken) =>
    server.gql({ query, variables, token: token ?? undefined, headers: { 'x-request-id': requestId } });

  /** Lines are written when a response ends, which can be just after the client has it. */
  async function linesOf(requestId: string, until: (lines: LogLine[]) => boolean = (lines) => lines.some(isAccessLine)): Promise<LogLine[]> {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const lines = logs.ofRequest(requestId);
      if (until(lines)) return lines;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return logs.ofRequest(requestId);
  }
  const isAccessLine = (line: LogLine) => line.req !== undefined && line.res !== undefined;
  const accessLineOf = async (requestId: string) => (await linesOf(requestId)).find(isAccessLine);

  beforeAll(async () => {
    // A database of its own, so that the boot applies the migrations and MikroORM's migrator logs them.
    db = await isolatedDatabase();
    // The resolvers' path, whose services these tests watch log and fail (the read path would answer `clients`).
    server = await startTestServer({ DATABASE_URL: db.url, LOG_LEVEL: 'debug', MAINTENANCE_INTERVAL_MINUTES: '0', COMPILED_READS: 'false' }, { logs });
    owner = await signUpOwner(server);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  it("gives every line written while serving a request its id: the access line, MikroORM's queries, a service's own", async () => {
    const service = server.app.get(ClientService);
    const list = service.list.bind(service);
    jest.spyOn(service, 'list').mockImplementation((...args) => {
      new Logger('ClientsProbe').log({ msg: 'listing clients', first: args[1].first });
      return list(...args);
    });
    const requestId = nextId('ok');
    const before = logs.raw.length;
    const response = await send(requestId, CLIENTS, { first: 5 });
    dataOf(response);
    expect(response.headers.get('x-request-id')).toBe(requestId);

    const lines = await linesOf(requestId);
    expect(lines.find((line) => line.context === 'ClientsProbe')).toMatchObject({ level: LEVEL.info, msg: 'listing clients', requestId });
    const queries = lines.filter((line) => line.context === 'MikroORM' && line.namespace === 'query');
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((line) => line.level === LEVEL.debug)).toBe(true);
    expect(queries.map((line) => line.sql)).toContainEqual(expect.stringMatching(/from "?client"?\b/));
    expect(await accessLineOf(requestId)).toMatchObject({ level: LEVEL.info, requestId, msg: 'request completed', res: { statusCode: 200 } });
    // Nothing this request caused went out without its id.
    const during = logs
      .lines()
      .slice(before)
      .filter((line) => line.context === 'MikroORM' || line.context === 'ClientsProbe');
    expect(during.every((line) => line.requestId === requestId)).toBe(true);
  });

  it('logs expected client errors at warn, and a server failure at error', async () => {
    const cases: [string, () => Promise<GraphQLResponse>, string][] = [
      ['invalid', () => send(nextId('invalid'), CREATE_CLIENT, { input: { name: '' } }), 'BAD_USER_INPUT'],
      ['coercion', () => send(nextId('coercion'), CLIENTS, { first: 'many' }), 'BAD_USER_INPUT'],
      ['not-found', () => send(nextId('not-found'), `query { client(id: "00000000-0000-7000-8000-000000000000") { id } }`), 'NOT_FOUND'],
      ['anonymous', () => send(nextId('anonymous'), `query { members { id } }`, {}, null), 'UNAUTHENTICATED'],
      ['bad-token', () => send(nextId('bad-token'), CLIENTS, {}, 'not-a-token'), 'UNAUTHENTICATED'],
    ];
    for (const [label, run, code] of cases) {
      const response = await run();
      expect([label, response.body.errors?.[0]?.extensions?.code]).toEqual([label, code]);
      const requestId = response.headers.get('x-request-id') ?? '';
      const lines = await linesOf(requestId);
      expect([label, lines.filter((line) => line.level >= LEVEL.error)]).toEqual([label, []]);
      expect([label, (await accessLineOf(requestId))?.level]).toEqual([label, LEVEL.warn]);
    }
    const invalid = await accessLineOf(logs.lines().find((l) => String(l.requestId).startsWith('log-invalid-'))?.requestId ?? '');
    expect(invalid?.errors).toEqual(['BAD_USER_INPUT']);

    // A failure of the server's own stays an error, with the request's id on both lines.
    jest.spyOn(server.app.get(ClientService), 'list').mockRejectedValue(new Error('the disk caught fire'));
    const requestId = nextId('internal');
    expect((await send(requestId, CLIENTS, { first: 1 })).body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const lines = await linesOf(requestId);
    expect(lines.find((line) => line.msg === 'Unexpected error')).toMatchObject({ level: LEVEL.error, requestId, err: { message: 'the disk caught fire' } });
    expect(await accessLineOf(requestId)).toMatchObject({ level: LEVEL.error, errors: ['INTERNAL_SERVER_ERROR'] });
  });

  it('logs a download the client abandons as information, not as an error', async () => {
    const user = await signUpOwner(server);
    dataOf(await server.gql({ query: `mutation { requestMyData { id } }`, token: user.accessToken }));
    await server.app.get(PrivacyJobRunner).runDue();
    const [request] = dataOf(
      await server.gql<{ myPrivacyRequests: { exportLink: { path: string } | null }[] }>({
        query: `{ myPrivacyRequests { exportLink { path } } }`,
        token: user.accessToken,
      }),
    ).myPrivacyRequests;
    // Make the file long enough that the client can hang up while it is still being sent: 16 more chunks of 1 MiB.
    const [file] = await db.query<{ id: string }>(
      `select e.id from privacy_export e join data_subject_request r on r.id = e.request_id where r.subject_user_id = $1`,
      [user.userId],
    );
    await db.query(
      `insert into privacy_export_chunk (export_id, seq, data)
       select $1, (select max(seq) from privacy_export_chunk where export_id = $1) + n, convert_to(repeat('x', 1048576), 'UTF8')
         from generate_series(1, 16) n`,
      [file.id],
    );
    await db.query(`update privacy_export set byte_size = (select sum(length(data)) from privacy_export_chunk where export_id = $1) where id = $1`, [file.id]);

    const requestId = nextId('download');
    const before = logs.raw.length;
    const aborted = new AbortController();
    const response = await fetch(`${server.url}${request.exportLink?.path ?? ''}`, { headers: { 'x-request-id': requestId }, signal: aborted.signal });
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    await reader?.read();
    aborted.abort();

    const lines = await linesOf(requestId, (seen) => seen.some(isAccessLine) && seen.some((line) => line.context === 'PrivacyExports'));
    // Nothing at warn or above, with this request's id or without one.
    expect(
      logs
        .lines()
        .slice(before)
        .filter((line) => line.level >= LEVEL.warn),
    ).toEqual([]);
    expect(lines.find((line) => line.context === 'PrivacyExports')).toMatchObject({ level: LEVEL.info, msg: expect.stringMatching(/ended early/) });
    expect(lines.find(isAccessLine)).toMatchObject({ level: LEVEL.info, msg: expect.stringMatching(/closed by the client/) });
    // The link still works afterwards.
    expect((await fetch(`${server.url}${request.exportLink?.path ?? ''}`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers misspelt names with the message alone, without suggestions or what a mask leaves of them', async () => {
    const cases: [string, Record<string, unknown> | undefined, string][] = [
      [`query { clients(filter: { serch: "x" }) { totalCount } }`, undefined, 'Field "serch" is not defined by type "ClientFilter".'],
      [
        `query($f: ClientFilter) { clients(filter: $f) { totalCount } }`,
        { f: { serch: 'x' } },
        'Variable "$f" got invalid value { serch: "x" }; Field "serch" is not defined by type "ClientFilter".',
      ],
      [`query { clients(filtr: { search: "x" }) { totalCount } }`, undefined, 'Unknown argument "filtr" on field "Query.clients".'],
      [`query($f: ClientFiltr) { clients(filter: $f) { totalCount } }`, { f: null }, 'Unknown type "ClientFiltr".'],
      [`query { clientz { totalCount } }`, undefined, 'Cannot query field "clientz" on type "Query".'],
      [`query { clients(sort: { field: NAMEE }) { totalCount } }`, undefined, 'Value "NAMEE" does not exist in "ClientSortField" enum.'],
      [
        `query($s: ClientSort) { clients(sort: $s) { totalCount } }`,
        { s: { field: 'NAMEE' } },
        'Variable "$s" got invalid value "NAMEE" at "s.field"; Value "NAMEE" does not exist in "ClientSortField" enum.',
      ],
    ];
    for (const [query, variables, message] of cases) {
      const response = await server.gql({ query, variables, token: owner.accessToken });
      expect(response.body.errors?.map((error) => error.message)).toEqual([message]);
    }
  });

  it("writes no ANSI colour codes into any line, MikroORM's migration and query lines included", () => {
    expect(logs.raw.filter((line) => line.includes('\\u001b[') || line.includes('\u001b['))).toEqual([]);
    const fromOrm = logs.lines().filter((line) => line.context === 'MikroORM');
    expect(fromOrm.some((line) => line.namespace === 'migrator')).toBe(true);
    expect(fromOrm.some((line) => line.namespace === 'query')).toBe(true);
  });
});
