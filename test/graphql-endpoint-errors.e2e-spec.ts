import { expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { CredentialVerifier } from '../src/common/context/credential-verifier.js';
import { signUpOwner } from './support/fixtures';
import { startTestServer, type GraphQLResponse, type TestServer } from './support/test-server';

type Body = GraphQLResponse['body'];

/** An error answer of the GraphQL endpoint: JSON with an `errors` array whose first entry has the code, no data. */
async function expectGraphQLError(response: Response, status: number, code: string, label = ''): Promise<Body> {
  const text = await response.text();
  expect({ label, status: response.status, type: response.headers.get('content-type') }).toEqual({
    label,
    status,
    type: expect.stringMatching(/^application\/(graphql-response\+)?json/),
  });
  const body = JSON.parse(text) as Body;
  expect(body.data ?? null).toBeNull();
  expect({ label, code: body.errors?.[0]?.extensions?.code, message: typeof body.errors?.[0]?.message }).toEqual({ label, code, message: 'string' });
  return body;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('client mistakes on the GraphQL endpoint have their own codes', () => {
  let server: TestServer;
  let owner: { accessToken: string };
  const post = (body: unknown, headers: Record<string, string> = {}) => server.post('/graphql', JSON.stringify(body), headers);

  beforeAll(async () => {
    server = await startTestServer();
    owner = await signUpOwner(server);
  });
  afterAll(() => server.close());

  it('refuses a subscription with 400 OPERATION_NOT_SUPPORTED before running it', async () => {
    await expectGraphQLError(await post({ query: 'subscription { orderChanged { id } }' }), 400, 'OPERATION_NOT_SUPPORTED');
    await expectGraphQLError(
      await post({ query: 'subscription Feed { me { role } }' }, { authorization: `Bearer ${owner.accessToken}` }),
      400,
      'OPERATION_NOT_SUPPORTED',
    );
    // Chosen by operationName from a document that also holds a query: still refused, and the query still answers.
    const document = 'query Q { __typename } subscription S { __typename }';
    await expectGraphQLError(await post({ query: document, operationName: 'S' }), 400, 'OPERATION_NOT_SUPPORTED');
  });

  it('answers automatic persisted queries as Apollo Client expects, and a wrong hash with 400 PERSISTED_QUERY_HASH_MISMATCH', async () => {
    const query = '{ __typename }';
    const persisted = (sha256Hash: string, version = 1) => ({ extensions: { persistedQuery: { version, sha256Hash } } });
    const unknown = await post(persisted(sha256(`${query} # ${Date.now()}`)));
    expect((await unknown.json()) as Body).toEqual({ errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });

    const registered = await post({ query, ...persisted(sha256(query)) });
    expect(await registered.json()).toEqual({ data: { __typename: 'Query' } });
    expect(await (await post(persisted(sha256(query)))).json()).toEqual({ data: { __typename: 'Query' } });

    const mismatch = await expectGraphQLError(await post({ query, ...persisted(sha256('{ me { role } }')) }), 400, 'PERSISTED_QUERY_HASH_MISMATCH');
    expect(mismatch.errors).toHaveLength(1);
    await expectGraphQLError(await post({ query, ...persisted(sha256(query), 2) }), 400, 'PERSISTED_QUERY_NOT_SUPPORTED');
  });
});

describe('every error answer of the GraphQL endpoint has an errors array', () => {
  let server: TestServer;
  const send = (body: string | Buffer, headers: Record<string, string>) =>
    fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const query = JSON.stringify({ query: '{ __typename }' });

  beforeAll(async () => {
    server = await startTestServer({ BODY_LIMIT: '2kb' });
  });
  afterAll(() => server.close());

  it('refuses a body in a charset other than UTF-8 with 415', async () => {
    for (const charset of ['latin1', 'iso-8859-1', 'windows-1252', 'no-such-charset']) {
      await expectGraphQLError(await send(query, { 'content-type': `application/json; charset=${charset}` }), 415, 'BAD_USER_INPUT', charset);
    }
    const utf8 = await send(query, { 'content-type': 'application/json; charset=utf-8' });
    expect(await utf8.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a body that is not what its Content-Encoding says with 400, and an unknown encoding with 415', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      await expectGraphQLError(await send(query, { 'content-encoding': encoding }), 400, 'BAD_USER_INPUT', `plain body as ${encoding}`);
    }
    const truncated = gzipSync(query).subarray(0, 12);
    await expectGraphQLError(await send(truncated, { 'content-encoding': 'gzip' }), 400, 'BAD_USER_INPUT', 'truncated gzip');
    await expectGraphQLError(await send(deflateSync(query), { 'content-encoding': 'gzip' }), 400, 'BAD_USER_INPUT', 'deflate sent as gzip');
    await expectGraphQLError(await send(query, { 'content-encoding': 'compress' }), 415, 'BAD_USER_INPUT', 'compress');
    const bomb = gzipSync(JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(100_000) } }));
    await expectGraphQLError(await send(bomb, { 'content-encoding': 'gzip' }), 413, 'BAD_USER_INPUT', 'inflates past the limit');

    const gzip = await send(gzipSync(query), { 'content-encoding': 'gzip' });
    expect(await gzip.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers a failure in the request pipeline outside Apollo with 500 INTERNAL_SERVER_ERROR in the GraphQL shape', async () => {
    const credentials = server.app.get(CredentialVerifier);
    const verify = credentials.verify.bind(credentials);
    credentials.verify = () => Promise.reject(new Error('credential store unreachable at 10.0.0.7'));
    try {
      const body = await expectGraphQLError(await send(query, {}), 500, 'INTERNAL_SERVER_ERROR');
      expect(body.errors?.[0]?.message).toBe('Internal server error.');
      expect(JSON.stringify(body)).not.toContain('10.0.0.7');
    } finally {
      credentials.verify = verify;
    }
    expect(await (await send(query, {})).json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('export download links', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers a token with bad percent-encoding exactly as any other link that leads nowhere', async () => {
    const answer = async (path: string) => {
      const response = await fetch(`${server.url}${path}`);
      return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
    };
    const unknown = await answer(`/privacy/exports/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    for (const token of ['%E0%A4%A', '%', '%zz', '%C0%80', `${'A'.repeat(40)}%ED%A0%80`]) {
      expect({ token, ...(await answer(`/privacy/exports/${token}`)) }).toEqual({ token, ...unknown });
    }
  });
});
