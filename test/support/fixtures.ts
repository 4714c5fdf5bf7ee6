import { randomUUID } from 'node:crypto';
import type { TestServer } from './test-server';

export const STRONG_PASSWORD = 'correct horse battery staple';

export interface SignedUpOwner {
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  userId: string;
  tenantId: string;
  companyName: string;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.test`;
}

const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      accessToken
      refreshToken
      user {
        id
        email
      }
      activeTenant {
        id
        name
      }
    }
  }
`;

interface SignUpData {
  signUp: { accessToken: string; refreshToken: string; user: { id: string; email: string }; activeTenant: { id: string; name: string } };
}

/** Signs up a new distributor company and returns its owner's session. */
export async function signUpOwner(server: TestServer, overrides: Record<string, unknown> = {}): Promise<SignedUpOwner> {
  const email = uniqueEmail('owner');
  const companyName = `Acme Promo ${randomUUID().slice(0, 6)}`;
  const input = { companyName, fullName: 'Olive Owner', email, password: STRONG_PASSWORD, confirmAge16OrOlder: true, ...overrides };
  const response = await server.gql<SignUpData>({ query: SIGN_UP, variables: { input } });
  const data = response.body.data?.signUp;
  if (!data) throw new Error(`signUp failed: ${JSON.stringify(response.body.errors)}`);
  return {
    email: data.user.email,
    password: input.password,
    accessToken: data.accessToken,
    refreshToken: data.refreshToken,
    userId: data.user.id,
    tenantId: data.activeTenant.id,
    companyName,
  };
}

const INVITE = `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token invitation { id } } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken refreshToken user { id } } }`;

export interface Member {
  email: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
}

/** Invites a new person with `role` into the owner's tenant and has them accept with a new account. */
export async function addMember(server: TestServer, owner: { accessToken: string }, role: string): Promise<Member> {
  const email = uniqueEmail(role.toLowerCase());
  const invited = await server.gql<{ inviteMember: { token: string } }>({
    query: INVITE,
    variables: { input: { email, role } },
    token: owner.accessToken,
  });
  const token = invited.body.data?.inviteMember.token;
  if (!token) throw new Error(`inviteMember failed: ${JSON.stringify(invited.body.errors)}`);
  const accepted = await server.gql<{ acceptInvitation: { accessToken: string; refreshToken: string; user: { id: string } } }>({
    query: ACCEPT,
    variables: { input: { token, newAccount: { fullName: `Morgan ${role}`, password: STRONG_PASSWORD, confirmAge16OrOlder: true } } },
  });
  const data = accepted.body.data?.acceptInvitation;
  if (!data) throw new Error(`acceptInvitation failed: ${JSON.stringify(accepted.body.errors)}`);
  return { email, userId: data.user.id, accessToken: data.accessToken, refreshToken: data.refreshToken };
}

const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`;

export async function createApiKey(
  server: TestServer,
  owner: { accessToken: string },
  scopes: string[],
  extra: Record<string, unknown> = {},
): Promise<{ id: string; secret: string }> {
  const response = await server.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>({
    query: CREATE_KEY,
    variables: { input: { name: 'Partner sync', scopes, ...extra } },
    token: owner.accessToken,
  });
  const data = response.body.data?.createApiKey;
  if (!data) throw new Error(`createApiKey failed: ${JSON.stringify(response.body.errors)}`);
  return { id: data.apiKey.id, secret: data.secret };
}

const CREATE_CLIENT = `mutation($input: CreateClientInput!) { createClient(input: $input) { id name } }`;

/** Creates a client in the actor's tenant (needs CLIENTS_WRITE); `input` overrides the defaults. */
export async function createClient(
  server: TestServer,
  actor: { accessToken: string } | { secret: string },
  input: Record<string, unknown> = {},
): Promise<{ id: string; name: string }> {
  const token = 'accessToken' in actor ? actor.accessToken : actor.secret;
  const response = await server.gql<{ createClient: { id: string; name: string } }>({
    query: CREATE_CLIENT,
    variables: { input: { name: `Client ${randomUUID().slice(0, 8)}`, ...input } },
    token,
  });
  const data = response.body.data?.createClient;
  if (!data) throw new Error(`createClient failed: ${JSON.stringify(response.body.errors)}`);
  return data;
}

const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { id clientId firstName lastName } }`;

/** Creates a contact of `clientId` in the actor's tenant (needs CLIENTS_WRITE); `input` overrides the defaults. */
export async function createContact(
  server: TestServer,
  actor: { accessToken: string } | { secret: string },
  clientId: string,
  input: Record<string, unknown> = {},
): Promise<{ id: string; clientId: string; firstName: string; lastName: string }> {
  const token = 'accessToken' in actor ? actor.accessToken : actor.secret;
  const response = await server.gql<{ createContact: { id: string; clientId: string; firstName: string; lastName: string } }>({
    query: CREATE_CONTACT,
    variables: { input: { clientId, firstName: 'Casey', lastName: `Contact ${randomUUID().slice(0, 6)}`, ...input } },
    token,
  });
  const data = response.body.data?.createContact;
  if (!data) throw new Error(`createContact failed: ${JSON.stringify(response.body.errors)}`);
  return data;
}

const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id number status } }`;

/** One default order line: 100 mugs at 4.50, costing 2.10 each. */
export const MUG_LINE = { productName: 'Branded mug', sku: 'MUG-11', quantity: 100, unitPrice: 450, unitCost: 210 };

/** Creates a QUOTE for `clientId` in the actor's tenant (needs ORDERS_WRITE); `input` overrides the defaults. */
export async function createOrder(
  server: TestServer,
  actor: { accessToken: string } | { secret: string },
  clientId: string,
  input: Record<string, unknown> = {},
): Promise<{ id: string; number: string; status: string }> {
  const token = 'accessToken' in actor ? actor.accessToken : actor.secret;
  const response = await server.gql<{ createOrder: { id: string; number: string; status: string } }>({
    query: CREATE_ORDER,
    variables: { input: { clientId, currency: 'USD', lines: [MUG_LINE], ...input } },
    token,
  });
  const data = response.body.data?.createOrder;
  if (!data) throw new Error(`createOrder failed: ${JSON.stringify(response.body.errors)}`);
  return data;
}

/** The partner query, exactly as integrations (and the benchmark) send it. */
export const PARTNER_ORDERS = /* GraphQL */ `
  query PartnerOrders($since: DateTime!, $after: String) {
    orders(first: 50, after: $after, filter: { updatedAfter: $since }, sort: { field: CHANGED, direction: ASC }) {
      edges {
        cursor
        node {
          id
          number
          status
          currency
          inHandsDate
          updatedAt
          subtotal
          externalReferences {
            system
            kind
            value
          }
          client {
            id
            name
          }
          contact {
            id
            firstName
            lastName
            email
            phone
          }
          lines {
            id
            position
            productName
            sku
            supplier
            quantity
            unitPrice
            lineTotal
            decoration
            colour
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;
