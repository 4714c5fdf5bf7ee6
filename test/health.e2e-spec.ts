import { PasswordService } from '../src/accounts/auth/password.service';
import { STRONG_PASSWORD, uniqueEmail } from './support/fixtures';
import { startTestServer, type TestServer } from './support/test-server';

describe('health and boot', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('reports liveness and database readiness', async () => {
    const live = await fetch(`${server.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(200);
    // With REDIS_URL, readiness also reports the rate-limit store (see redis-outage.e2e-spec for a degraded one).
    const redis = process.env.REDIS_URL ? { redis: 'up', rateLimitFallbacks: 0 } : {};
    expect(await ready.json()).toEqual({ status: 'ok', database: 'up', ...redis });
  });

  it('tags every response with a request id, keeping a well-formed one from the caller', async () => {
    const given = await fetch(`${server.url}/health/live`, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const generated = await fetch(`${server.url}/health/live`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight before closing, then refuses new connections', async () => {
    const server = await startTestServer();
    const input = { companyName: 'Late Co', fullName: 'Lara Late', email: uniqueEmail('late'), password: STRONG_PASSWORD, confirmAge16OrOlder: true };
    // Sign-up hashes a password with argon2id, so it is still running when shutdown starts.
    const inFlight = server.gql<{ signUp: { user: { email: string } } }>({
      query: `mutation($input: SignUpInput!) { signUp(input: $input) { user { email } } }`,
      variables: { input },
    });
    // Start shutting down only once the server is inside the request (hashing), whatever the machine's load.
    await new Promise<void>((resolve) => {
      const passwords = server.app.get(PasswordService);
      const hash = passwords.hash.bind(passwords);
      passwords.hash = (password: string) => {
        resolve();
        return hash(password);
      };
    });
    const closing = server.close();
    const response = await inFlight;
    await closing;
    expect(response.status).toBe(200);
    expect(response.body.data?.signUp.user.email).toBe(input.email);
    await expect(fetch(`${server.url}/health/live`)).rejects.toThrow();
  });
});

describe('Apollo Sandbox', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('serves the Sandbox landing page on GET /graphql outside production', async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('embeddable-sandbox');
  });
});

describe('CORS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: 'https://app.promox.test' });
  });
  afterAll(() => server.close());

  it('answers the preflight of a configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
      });
    const allowed = await preflight('https://app.promox.test');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.promox.test');
    const other = await preflight('https://evil.test');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
