import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './support/test-server';

describe('schema.gql', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('is committed exactly as the code emits it (`npm run schema:update` rewrites it)', () => {
    const emitted = readFileSync(server.schemaFile, 'utf8');
    const committedFile = join(__dirname, '..', 'schema.gql');
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(committedFile, emitted);
    expect(readFileSync(committedFile, 'utf8')).toBe(emitted);
  });

  it('documents the permission of every restricted field and the permissions of every role', () => {
    const sdl = readFileSync(server.schemaFile, 'utf8');
    expect(sdl).toMatch(/"""Requires PII_READ[^\n]*"""\n\s*email: String\n/);
    expect(sdl).toMatch(/Where invoices are sent\. Requires BILLING_READ[^\n]*\n\s*"""\n\s*billingEmail: String\n/);
    expect(sdl).toMatch(/enum Permission \{[\s\S]*FINANCIALS_READ[\s\S]*\}/);
    expect(sdl).toMatch(/"""Grants: MEMBERS_READ, CLIENTS_READ, ORDERS_READ\."""\n\s*VIEWER/);
  });
});
