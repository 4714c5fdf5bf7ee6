import { expect } from '@jest/globals';
import { createClient, createOrder, signUpOwner, STRONG_PASSWORD, uniqueEmail, type SignedUpOwner } from './support/fixtures';
import { badFields, dataOf, errorCode, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server';

/** An unpaired UTF-16 surrogate: valid in a JSON string ("\ud800"), but not Unicode, so not storable text. */
const LONE = '\ud800';

function expectRefusedNaming(response: GraphQLResponse, field: string): void {
  expect({ code: errorCode(response), fields: badFields(response), data: response.body.data ?? null }).toEqual({
    code: 'BAD_USER_INPUT',
    fields: [field],
    data: null,
  });
  expect(response.body.errors?.[0]?.extensions?.fields).toEqual([{ field, problems: [expect.stringMatching(/well-formed Unicode/)] }]);
}

describe('malformed Unicode in any string input', () => {
  let server: TestServer;
  let owner: SignedUpOwner;
  let clientId: string;
  const gql = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token: string | undefined = owner.accessToken) =>
    server.gql<T>({ query, variables, token });

  beforeAll(async () => {
    server = await startTestServer();
    owner = await signUpOwner(server);
    clientId = (await createClient(server, owner)).id;
  });
  afterAll(() => server.close());

  it('refuses a lone surrogate in sign-up and log-in, naming the field, and creates no account', async () => {
    const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }`;
    const email = uniqueEmail('lone');
    const input = { companyName: 'Surrogate Promo', fullName: 'Sue Rogate', email, password: STRONG_PASSWORD, confirmAge16OrOlder: true };
    expectRefusedNaming(await gql(SIGN_UP, { input: { ...input, email: `sue${LONE}@example.test` } }, undefined), 'email');
    expectRefusedNaming(await gql(SIGN_UP, { input: { ...input, companyName: `Surrogate ${LONE} Promo` } }, undefined), 'companyName');
    const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }`;
    expectRefusedNaming(await gql(LOG_IN, { input: { email: `${owner.email}${LONE}`, password: STRONG_PASSWORD } }, undefined), 'email');
    expect(errorCode(await gql(LOG_IN, { input: { email, password: STRONG_PASSWORD } }, undefined))).toBe('INVALID_CREDENTIALS');
  });

  it('refuses it in an invitation, a contact and the tenant profile, and changes nothing', async () => {
    expectRefusedNaming(
      await gql(`mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }`, {
        input: { email: `a${LONE}@example.test`, role: 'VIEWER' },
      }),
      'email',
    );
    expect(dataOf(await gql<{ invitations: unknown[] }>('{ invitations { id } }')).invitations).toEqual([]);

    const CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { id } }`;
    expectRefusedNaming(await gql(CONTACT, { input: { clientId, firstName: 'Ada', lastName: 'Lovelace', email: `ada${LONE}@client.example` } }), 'email');
    expectRefusedNaming(
      await gql(CONTACT, {
        input: { clientId, firstName: 'Ada', lastName: 'Lovelace', address: { line1: `1 ${LONE} Street`, city: 'London', country: 'GB' } },
      }),
      'address.line1',
    );
    expect(dataOf(await gql<{ contacts: { totalCount: number } }>('{ contacts { totalCount } }')).contacts.totalCount).toBe(0);

    const TENANT = `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { name } }`;
    expectRefusedNaming(await gql(TENANT, { input: { billingEmail: `billing${LONE}@example.test` } }), 'billingEmail');
    expectRefusedNaming(await gql(TENANT, { input: { name: LONE } }), 'name');
    expect(dataOf(await gql<{ me: { activeTenant: { name: string } } }>('{ me { activeTenant { name } } }')).me.activeTenant.name).toBe(owner.companyName);
  });

  it('refuses it in JSON-stored inputs (external references, rectification changes) and lists, and stores nothing', async () => {
    const CREATE = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }`;
    const references = [{ system: 'quickbooks', kind: 'invoice', value: `INV-${LONE}` }];
    expectRefusedNaming(await gql(CREATE, { input: { clientId, currency: 'USD', externalReferences: references } }), 'externalReferences.0.value');
    const order = await createOrder(server, owner, clientId);
    const UPDATE = `mutation($id: ID!, $patch: UpdateOrderInput!) { updateOrder(id: $id, patch: $patch) { id } }`;
    expectRefusedNaming(await gql(UPDATE, { id: order.id, patch: { externalReferences: references } }), 'patch.externalReferences.0.value');
    const orders = dataOf(
      await gql<{ orders: { edges: { node: { externalReferences: unknown[] } }[] } }>('{ orders { edges { node { externalReferences { value } } } } }'),
    );
    expect(orders.orders.edges.map((edge) => edge.node.externalReferences)).toEqual([[]]);

    const RECTIFY = `mutation($input: RequestMyRectificationInput!) { requestMyRectification(input: $input) { id } }`;
    expectRefusedNaming(await gql(RECTIFY, { input: { changes: { email: `new${LONE}@example.test` } } }), 'changes.email');
    expectRefusedNaming(await gql(RECTIFY, { input: { changes: { fullName: `Olive ${LONE}` } } }), 'changes.fullName');
    expect(dataOf(await gql<{ myPrivacyRequests: unknown[] }>('{ myPrivacyRequests { id } }')).myPrivacyRequests).toEqual([]);

    expectRefusedNaming(
      await gql(`mutation($input: CreateClientInput!) { createClient(input: $input) { id } }`, { input: { name: 'Tagged', tags: ['ok', `bad${LONE}`] } }),
      'tags',
    );
    expect(dataOf(await gql<{ clients: { totalCount: number } }>('{ clients { totalCount } }')).clients.totalCount).toBe(1);
  });

  it('refuses a lone low surrogate, and one at either end of a string', async () => {
    const CLIENT = `mutation($input: CreateClientInput!) { createClient(input: $input) { id } }`;
    for (const name of ['\udc00 Mugs', 'Mugs \udfff', LONE, 'Mugs \udc00\ud800 reversed pair']) {
      expectRefusedNaming(await gql(CLIENT, { input: { name } }), 'name');
    }
    expect(dataOf(await gql<{ clients: { totalCount: number } }>('{ clients { totalCount } }')).clients.totalCount).toBe(1);
  });

  it('refuses a forged cursor whose text key holds a lone surrogate, as any forged cursor', async () => {
    const after = Buffer.from(JSON.stringify([`Acme ${LONE}`, '01a24e70-28fd-75ff-b8e5-1a8c2d1a04ae'])).toString('base64url');
    const response = await gql(`query($after: String) { clients(sort: { field: NAME }, after: $after) { totalCount } }`, { after });
    expect({ code: errorCode(response), message: response.body.errors?.[0]?.message }).toEqual({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/cursor/),
    });
  });

  it('keeps well-formed text outside the Basic Multilingual Plane (surrogate pairs) as sent', async () => {
    const name = 'Mugs 😀 𝄞 Ωmega';
    const created = dataOf(
      await gql<{ createClient: { id: string; name: string } }>(`mutation($input: CreateClientInput!) { createClient(input: $input) { id name } }`, {
        input: { name },
      }),
    );
    expect(created.createClient.name).toBe(name);
    const read = dataOf(await gql<{ client: { name: string } }>(`query($id: ID!) { client(id: $id) { name } }`, { id: created.createClient.id }));
    expect(read.client.name).toBe(name);
  });
});
