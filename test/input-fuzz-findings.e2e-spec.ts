import { expect } from '@jest/globals';
import { signUpOwner, type SignedUpOwner } from './support/fixtures';
import { badFields, dataOf, errorCode, startTestServer, type TestServer } from './support/test-server';

/** What the schema-driven fuzz suite found, each pinned as the request that showed it. */
describe('inputs the fuzz suite found answered as server errors', () => {
  let server: TestServer;
  let owner: SignedUpOwner;
  const gql = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
    server.gql<T>({ query, variables, token: owner.accessToken });

  beforeAll(async () => {
    server = await startTestServer();
    owner = await signUpOwner(server);
  });
  afterAll(() => server.close());

  it('answers variables with more than 50 coercion errors with 400 BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async () => {
    const choices = Array.from({ length: 60 }, () => null);
    const response = await gql(`mutation($input: RecordMyConsentInput!) { recordMyConsent(input: $input) { __typename } }`, { input: { choices } });
    expect(response.status).toBe(400);
    expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(Array.from({ length: 51 }, () => 'BAD_USER_INPUT'));
    expect(response.body.errors?.at(-1)?.message).toMatch(/too many errors/i);
  });

  it('refuses null for tenant settings that cannot be empty, naming the field, and keeps them', async () => {
    const TENANT = `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { name phone } }`;
    const name = await gql(TENANT, { input: { name: null, phone: '+1 555 0100' } });
    expect({ code: errorCode(name), fields: badFields(name) }).toEqual({ code: 'BAD_USER_INPUT', fields: ['name'] });
    const SETTINGS = `mutation($input: UpdatePrivacySettingsInput!) { updatePrivacySettings(input: $input) { privacyDeadlineRule taxRetentionYears } }`;
    for (const field of ['deadlineRule', 'taxRetentionYears']) {
      const response = await gql(SETTINGS, { input: { [field]: null } });
      expect({ field, code: errorCode(response), fields: badFields(response) }).toEqual({ field, code: 'BAD_USER_INPUT', fields: [field] });
    }
    const tenant = dataOf(
      await gql<{ me: { activeTenant: { name: string; phone: string | null; privacyDeadlineRule: string; taxRetentionYears: number } } }>(
        '{ me { activeTenant { name phone privacyDeadlineRule taxRetentionYears } } }',
      ),
    ).me.activeTenant;
    expect(tenant).toEqual({ name: owner.companyName, phone: null, privacyDeadlineRule: expect.any(String), taxRetentionYears: expect.any(Number) });
    // Left out, they stay as they are; a field that may be cleared still takes null.
    expect(dataOf(await gql<{ updateTenant: { name: string } }>(TENANT, { input: { phone: null } })).updateTenant.name).toBe(owner.companyName);
  });
});
