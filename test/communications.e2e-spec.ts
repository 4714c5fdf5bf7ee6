import { MikroORM } from '@mikro-orm/postgresql';
import { MemberDirectory } from '../src/accounts/members/member-directory.service.js';
import { RequestContextStore, systemContext } from '../src/common/context/request-context.js';
import { tenantScopedFork } from '../src/database/tenant-session.js';
import { Client } from '../src/business/clients/client.entity.js';
import { Contact } from '../src/business/contacts/contact.entity.js';
import { privilegedQuery } from './support/database.js';
import { addMember, createApiKey, signUpOwner, type Member, type SignedUpOwner } from './support/fixtures.js';
import { badFields, dataOf, errorCode, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server.js';

const FIELDS = `id clientId contactId channel direction subject body occurredAt marketing authorUserId author { userId fullName } createdAt updatedAt`;
const LOG = `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($input: UpdateCommunicationInput!) { updateCommunication(input: $input) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteCommunication(input: { id: $id }) { id body } }`;
const GET = `query($id: ID!) { communication(id: $id) { ${FIELDS} } }`;
const LIST = `query($first: Int, $after: String, $last: Int, $before: String, $filter: CommunicationFilter, $sort: CommunicationSort) {
  communications(first: $first, after: $after, last: $last, before: $before, filter: $filter, sort: $sort) {
    edges { cursor node { id occurredAt createdAt authorUserId author { userId fullName } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const LIST_COUNT = `query($filter: CommunicationFilter) { communications(first: 1, filter: $filter) { totalCount edges { node { id } } } }`;
const LIST_IDS_ONLY = `query($filter: CommunicationFilter) { communications(first: 50, filter: $filter) { edges { node { id authorUserId } } } }`;

interface CommunicationData {
  id: string;
  clientId: string;
  contactId: string | null;
  channel: string;
  direction: string;
  subject: string | null;
  body: string;
  occurredAt: string;
  marketing: boolean;
  authorUserId: string | null;
  author: { userId: string; fullName: string } | null;
  createdAt: string;
  updatedAt: string;
}
interface ListData {
  communications: {
    edges: {
      cursor: string;
      node: { id: string; occurredAt: string; createdAt: string; authorUserId: string | null; author: { userId: string; fullName: string } | null };
    }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
}

const HOUR = 60 * 60 * 1000;
const hoursFromNow = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();

function expectBadField(response: GraphQLResponse, field: string): void {
  expect(errorCode(response)).toBe('BAD_USER_INPUT');
  expect(badFields(response)).toContain(field);
}

interface SeededClient {
  clientId: string;
  contactIds: string[];
}

/** Clients and contacts straight through the ORM, in the tenant's own RLS session (the clients API is not needed here). */
async function seedClient(server: TestServer, tenantId: string, contacts = 2): Promise<SeededClient> {
  const orm: MikroORM = server.app.get(MikroORM);
  return RequestContextStore.run(systemContext('communications-test', tenantId, new Set()), async () => {
    const em = tenantScopedFork(orm, tenantId);
    const client = em.create(Client, { name: `Client ${Math.random().toString(36).slice(2, 8)}` });
    const created = Array.from({ length: contacts }, (_, i) => em.create(Contact, { clientId: client.id, firstName: 'Casey', lastName: `Contact ${i}` }));
    await em.flush();
    return { clientId: client.id, contactIds: created.map((c) => c.id) };
  });
}

async function communicationRows(tenantId: string) {
  return privilegedQuery<{ id: string; body: string; subject: string | null; contact_id: string | null; updated_at: Date }>(
    'select id, body, subject, contact_id, updated_at from communication where tenant_id = $1 order by id',
    [tenantId],
  );
}

describe('communications', () => {
  let server: TestServer;
  let a: SignedUpOwner;
  let aViewer: Member;
  let aRep: Member;
  let aWriteKey: { id: string; secret: string };
  let aReadKey: { id: string; secret: string };
  let aClient: SeededClient;
  let aOtherClient: SeededClient;
  let b: SignedUpOwner;
  let bClient: SeededClient;

  const log = (token: string, input: Record<string, unknown>) =>
    server.gql<{ logCommunication: CommunicationData }>({ query: LOG, variables: { input }, token });
  const logged = async (token: string, input: Record<string, unknown>) => dataOf(await log(token, input)).logCommunication;

  beforeAll(async () => {
    server = await startTestServer();
    a = await signUpOwner(server);
    aViewer = await addMember(server, a, 'VIEWER');
    aRep = await addMember(server, a, 'SALES_REP');
    aWriteKey = await createApiKey(server, a, ['CLIENTS_READ', 'CLIENTS_WRITE']);
    aReadKey = await createApiKey(server, a, ['CLIENTS_READ']);
    aClient = await seedClient(server, a.tenantId);
    aOtherClient = await seedClient(server, a.tenantId, 1);
    b = await signUpOwner(server);
    bClient = await seedClient(server, b.tenantId);
  });
  afterAll(() => server.close());

  it('logs a communication with a contact, authored by the signed-in user, and reads it back', async () => {
    const occurredAt = new Date(Date.now() - 2 * HOUR).toISOString();
    const created = await logged(a.accessToken, {
      clientId: aClient.clientId,
      contactId: aClient.contactIds[0],
      channel: 'EMAIL',
      direction: 'OUTBOUND',
      subject: '  Proof for the tote bags  ',
      body: 'Attached the proof; please confirm the PMS colour.',
      occurredAt,
    });
    expect(created).toMatchObject({
      clientId: aClient.clientId,
      contactId: aClient.contactIds[0],
      channel: 'EMAIL',
      direction: 'OUTBOUND',
      subject: 'Proof for the tote bags',
      occurredAt,
      marketing: false,
      authorUserId: a.userId,
      author: { userId: a.userId, fullName: 'Olive Owner' },
    });

    const read = dataOf(await server.gql<{ communication: CommunicationData }>({ query: GET, variables: { id: created.id }, token: aViewer.accessToken }));
    expect(read.communication).toEqual(created);
    const [row] = (await communicationRows(a.tenantId)).filter((r) => r.id === created.id);
    expect(row.body).toBe('Attached the proof; please confirm the PMS colour.');
  });

  it('stores the marketing flag, and logs through an API key without an author', async () => {
    // A marketing call: only EMAIL and SMS marketing pass the consent gate (see consent.e2e-spec.ts).
    const created = await logged(aWriteKey.secret, {
      clientId: aClient.clientId,
      channel: 'CALL',
      direction: 'OUTBOUND',
      body: 'Told them the spring catalogue is out.',
      occurredAt: new Date().toISOString(),
      marketing: true,
    });
    expect(created).toMatchObject({ contactId: null, subject: null, marketing: true, authorUserId: null, author: null });
    const read = dataOf(await server.gql<{ communication: CommunicationData }>({ query: GET, variables: { id: created.id }, token: aReadKey.secret }));
    expect(read.communication.marketing).toBe(true);
  });

  it('needs CLIENTS_READ to read and CLIENTS_WRITE to write', async () => {
    const input = { clientId: aClient.clientId, channel: 'NOTE', direction: 'INTERNAL', body: 'x', occurredAt: new Date().toISOString() };
    const before = await communicationRows(a.tenantId);
    const viewer = await log(aViewer.accessToken, input);
    expect(errorCode(viewer)).toBe('FORBIDDEN');
    expect(viewer.body.errors?.[0]?.extensions?.missingPermissions).toEqual(['CLIENTS_WRITE']);
    expect(errorCode(await log(aReadKey.secret, input))).toBe('FORBIDDEN');
    const someId = before[0].id;
    expect(errorCode(await server.gql({ query: UPDATE, variables: { input: { id: someId, body: 'changed' } }, token: aViewer.accessToken }))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql({ query: DELETE, variables: { id: someId }, token: aReadKey.secret }))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql({ query: GET, variables: { id: someId } }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await server.gql({ query: LIST, variables: {} }))).toBe('UNAUTHENTICATED');
    expect(await communicationRows(a.tenantId)).toEqual(before);
  });

  it('refuses bad input naming the field, and stores nothing', async () => {
    const base = { clientId: aClient.clientId, channel: 'CALL', direction: 'INBOUND', body: 'Called about reorder', occurredAt: new Date().toISOString() };
    const before = await communicationRows(a.tenantId);

    expectBadField(await log(a.accessToken, { ...base, body: '' }), 'body');
    expectBadField(await log(a.accessToken, { ...base, body: '   ' }), 'body');
    expectBadField(await log(a.accessToken, { ...base, body: 'x'.repeat(50_001) }), 'body');
    expectBadField(await log(a.accessToken, { ...base, body: 'nul \u0000 inside' }), 'body');
    expectBadField(await log(a.accessToken, { ...base, subject: 's'.repeat(301) }), 'subject');
    expectBadField(await log(a.accessToken, { ...base, occurredAt: hoursFromNow(25) }), 'occurredAt');
    expectBadField(await log(a.accessToken, { ...base, occurredAt: '1200-01-01T00:00:00Z' }), 'occurredAt');
    expectBadField(await log(a.accessToken, { ...base, clientId: 'not-a-uuid' }), 'clientId');
    expectBadField(await log(a.accessToken, { ...base, contactId: 'nope' }), 'contactId');
    // The contact must be one of the client's.
    const mismatch = await log(a.accessToken, { ...base, contactId: aOtherClient.contactIds[0] });
    expectBadField(mismatch, 'contactId');
    // A value outside the enum does not even reach the resolver.
    const badEnum = await log(a.accessToken, { ...base, channel: 'FAX' });
    expect(badEnum.status).toBe(400);
    expect(errorCode(badEnum)).toBe('BAD_USER_INPUT');

    expect(await communicationRows(a.tenantId)).toEqual(before);

    // The limits themselves are accepted: 50,000 characters, 300 for the subject, up to a day ahead.
    const edge = await logged(a.accessToken, { ...base, body: 'y'.repeat(50_000), subject: 's'.repeat(300), occurredAt: hoursFromNow(23) });
    expect(edge.body).toHaveLength(50_000);
    expect(edge.subject).toHaveLength(300);
  });

  it('updates fields, clears optional ones with null, and validates like logging', async () => {
    const created = await logged(aRep.accessToken, {
      clientId: aClient.clientId,
      contactId: aClient.contactIds[0],
      channel: 'MEETING',
      direction: 'OUTBOUND',
      subject: 'Kick-off',
      body: 'Met at the trade show.',
      occurredAt: new Date(Date.now() - 48 * HOUR).toISOString(),
    });
    const occurredAt = new Date(Date.now() - 24 * HOUR).toISOString();
    const updated = dataOf(
      await server.gql<{ updateCommunication: CommunicationData }>({
        query: UPDATE,
        variables: {
          input: { id: created.id, contactId: aClient.contactIds[1], channel: 'CALL', body: 'Met at the show; followed up.', occurredAt, marketing: true },
        },
        token: a.accessToken,
      }),
    ).updateCommunication;
    expect(updated).toMatchObject({
      contactId: aClient.contactIds[1],
      channel: 'CALL',
      direction: 'OUTBOUND',
      subject: 'Kick-off',
      body: 'Met at the show; followed up.',
      occurredAt,
      marketing: true,
      // The author stays the one who logged it.
      authorUserId: aRep.userId,
      author: { userId: aRep.userId, fullName: 'Morgan SALES_REP' },
    });
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.updatedAt).getTime());

    const cleared = dataOf(
      await server.gql<{ updateCommunication: CommunicationData }>({
        query: UPDATE,
        variables: { input: { id: created.id, contactId: null, subject: null } },
        token: a.accessToken,
      }),
    ).updateCommunication;
    expect(cleared).toMatchObject({ contactId: null, subject: null, body: 'Met at the show; followed up.' });

    const before = await communicationRows(a.tenantId);
    const update = (input: Record<string, unknown>) => server.gql({ query: UPDATE, variables: { input: { id: created.id, ...input } }, token: a.accessToken });
    expectBadField(await update({ body: null }), 'body');
    expectBadField(await update({ body: 'z'.repeat(50_001) }), 'body');
    expectBadField(await update({ channel: null }), 'channel');
    expectBadField(await update({ occurredAt: hoursFromNow(30) }), 'occurredAt');
    expectBadField(await update({ contactId: aOtherClient.contactIds[0] }), 'contactId');
    expect(errorCode(await update({ contactId: bClient.contactIds[0] }))).toBe('NOT_FOUND');
    expect(await communicationRows(a.tenantId)).toEqual(before);
  });

  it('deletes a communication, returning it', async () => {
    const created = await logged(a.accessToken, {
      clientId: aClient.clientId,
      channel: 'NOTE',
      direction: 'INTERNAL',
      body: 'Temporary note',
      occurredAt: new Date().toISOString(),
    });
    const deleted = dataOf(
      await server.gql<{ deleteCommunication: { id: string; body: string } }>({ query: DELETE, variables: { id: created.id }, token: aWriteKey.secret }),
    );
    expect(deleted.deleteCommunication).toEqual({ id: created.id, body: 'Temporary note' });
    expect(errorCode(await server.gql({ query: GET, variables: { id: created.id }, token: a.accessToken }))).toBe('NOT_FOUND');
    expect(errorCode(await server.gql({ query: DELETE, variables: { id: created.id }, token: a.accessToken }))).toBe('NOT_FOUND');
    expect((await communicationRows(a.tenantId)).map((r) => r.id)).not.toContain(created.id);
  });

  describe('lists', () => {
    let client: SeededClient;
    /** Five communications of one client, an hour apart, logged oldest-occurred last (so created order differs). */
    let ids: string[];

    beforeAll(async () => {
      client = await seedClient(server, a.tenantId, 2);
      // The marketing email and SMS below go to contact 1, who consents to both.
      dataOf(
        await server.gql({
          query: `mutation($input: RecordContactConsentInput!) { recordContactConsent(input: $input) { purposes { purpose granted } } }`,
          variables: {
            input: {
              contactId: client.contactIds[1],
              choices: [
                { purpose: 'MARKETING_EMAIL', status: 'GRANTED' },
                { purpose: 'MARKETING_SMS', status: 'GRANTED' },
              ],
            },
          },
          token: a.accessToken,
        }),
      );
      const specs = [
        { hoursAgo: 1, channel: 'EMAIL', direction: 'INBOUND', marketing: false, contact: 0, token: a.accessToken },
        { hoursAgo: 2, channel: 'EMAIL', direction: 'OUTBOUND', marketing: true, contact: 1, token: aRep.accessToken },
        { hoursAgo: 3, channel: 'CALL', direction: 'OUTBOUND', marketing: false, contact: 0, token: aRep.accessToken },
        { hoursAgo: 4, channel: 'NOTE', direction: 'INTERNAL', marketing: false, contact: null, token: aWriteKey.secret },
        { hoursAgo: 5, channel: 'SMS', direction: 'OUTBOUND', marketing: true, contact: 1, token: a.accessToken },
      ];
      ids = [];
      for (const spec of specs) {
        const created = await logged(spec.token, {
          clientId: client.clientId,
          contactId: spec.contact === null ? null : client.contactIds[spec.contact],
          channel: spec.channel,
          direction: spec.direction,
          marketing: spec.marketing,
          body: `${spec.channel} ${spec.hoursAgo}h ago`,
          occurredAt: new Date(Date.now() - spec.hoursAgo * HOUR).toISOString(),
        });
        ids.push(created.id);
      }
    });

    const list = async (variables: Record<string, unknown>, token = a.accessToken) =>
      dataOf(await server.gql<ListData>({ query: LIST, variables: { filter: { clientId: client.clientId }, ...variables }, token })).communications;
    const idsOf = (page: ListData['communications']) => page.edges.map((e) => e.node.id);

    it('sorts by occurredAt, newest first by default, or by createdAt, either way', async () => {
      expect(idsOf(await list({}))).toEqual(ids);
      expect(idsOf(await list({ sort: { direction: 'ASC' } }))).toEqual([...ids].reverse());
      expect(idsOf(await list({ sort: { field: 'CREATED_AT' } }))).toEqual([...ids].reverse());
      expect(idsOf(await list({ sort: { field: 'CREATED_AT', direction: 'ASC' } }))).toEqual(ids);
    });

    it('filters by client, contact, channel, direction, marketing and time range', async () => {
      expect(idsOf(await list({ filter: { clientId: client.clientId, contactId: client.contactIds[0] } }))).toEqual([ids[0], ids[2]]);
      expect(idsOf(await list({ filter: { clientId: client.clientId, channel: 'EMAIL' } }))).toEqual([ids[0], ids[1]]);
      expect(idsOf(await list({ filter: { clientId: client.clientId, direction: 'OUTBOUND' } }))).toEqual([ids[1], ids[2], ids[4]]);
      expect(idsOf(await list({ filter: { clientId: client.clientId, marketing: true } }))).toEqual([ids[1], ids[4]]);
      expect(idsOf(await list({ filter: { clientId: client.clientId, marketing: false } }))).toEqual([ids[0], ids[2], ids[3]]);
      const after = new Date(Date.now() - 4.5 * HOUR).toISOString();
      const before = new Date(Date.now() - 1.5 * HOUR).toISOString();
      expect(idsOf(await list({ filter: { clientId: client.clientId, occurredAfter: after, occurredBefore: before } }))).toEqual([ids[1], ids[2], ids[3]]);
      // Another tenant's client filters to nothing rather than erroring.
      expect(idsOf(await list({ filter: { clientId: bClient.clientId } }))).toEqual([]);
      const count = dataOf(
        await server.gql<{ communications: { totalCount: number } }>({
          query: LIST_COUNT,
          variables: { filter: { clientId: client.clientId, direction: 'OUTBOUND' } },
          token: aReadKey.secret,
        }),
      );
      expect(count.communications.totalCount).toBe(3);
    });

    it('pages forward and backward with cursors, and caps the page size', async () => {
      const first = await list({ first: 2 });
      expect(idsOf(first)).toEqual(ids.slice(0, 2));
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const second = await list({ first: 2, after: first.pageInfo.endCursor });
      expect(idsOf(second)).toEqual(ids.slice(2, 4));
      const third = await list({ first: 2, after: second.pageInfo.endCursor });
      expect(idsOf(third)).toEqual(ids.slice(4));
      expect(third.pageInfo.hasNextPage).toBe(false);
      const back = await list({ last: 2, before: third.pageInfo.startCursor });
      expect(idsOf(back)).toEqual(ids.slice(2, 4));
      expect(back.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
      const byCreated = await list({ first: 3, sort: { field: 'CREATED_AT' } });
      const rest = await list({ first: 3, after: byCreated.pageInfo.endCursor, sort: { field: 'CREATED_AT' } });
      expect([...idsOf(byCreated), ...idsOf(rest)]).toEqual([...ids].reverse());

      const tooBig = await server.gql({ query: LIST, variables: { first: 101 }, token: a.accessToken });
      expect(errorCode(tooBig)).toBe('BAD_USER_INPUT');
      expect(errorCode(await server.gql({ query: LIST, variables: { first: 1, after: 'garbage' }, token: a.accessToken }))).toBe('BAD_USER_INPUT');
      // Forged cursors (an id that is not a uuid, a time PostgreSQL cannot hold) are bad input, never a database error.
      const forged = (key: unknown, id: string) => Buffer.from(JSON.stringify([key, id])).toString('base64url');
      for (const after of [forged(new Date().toISOString(), '-'.repeat(36)), forged('-200000-01-01T00:00:00Z', ids[0]), forged(12, ids[0])]) {
        expect(errorCode(await server.gql({ query: LIST, variables: { first: 1, after }, token: a.accessToken }))).toBe('BAD_USER_INPUT');
      }
    });

    it('resolves the authors of a whole page with one directory lookup, and none when not selected', async () => {
      const summaries = jest.spyOn(MemberDirectory.prototype, 'summaries');
      // The compiled read path reads the names in its one statement; the resolvers batch them in one lookup
      // (communications-resolvers.e2e-spec.ts runs this suite with the read path off).
      const resolversOnly = process.env.TEST_COMPILED_READS === 'false';
      try {
        const page = await list({});
        if (resolversOnly) {
          expect(summaries).toHaveBeenCalledTimes(1);
          expect(new Set(summaries.mock.calls[0][1])).toEqual(new Set([a.userId, aRep.userId]));
        } else {
          expect(summaries).not.toHaveBeenCalled();
        }
        expect(page.edges.map((e) => e.node.author?.fullName ?? null)).toEqual(['Olive Owner', 'Morgan SALES_REP', 'Morgan SALES_REP', null, 'Olive Owner']);
        summaries.mockClear();
        const bare = dataOf(
          await server.gql<{ communications: { edges: { node: { authorUserId: string | null } }[] } }>({
            query: LIST_IDS_ONLY,
            variables: { filter: { clientId: client.clientId } },
            token: a.accessToken,
          }),
        );
        expect(bare.communications.edges.map((e) => e.node.authorUserId)).toEqual([a.userId, aRep.userId, aRep.userId, null, a.userId]);
        expect(summaries).not.toHaveBeenCalled();
      } finally {
        summaries.mockRestore();
      }
    });
  });

  describe('tenant isolation', () => {
    it("reads another tenant's communication, client and contact as not found, and leaves them unchanged", async () => {
      const aCommunication = await logged(a.accessToken, {
        clientId: aClient.clientId,
        contactId: aClient.contactIds[0],
        channel: 'EMAIL',
        direction: 'INBOUND',
        body: 'Private to tenant A',
        occurredAt: new Date().toISOString(),
      });
      const bCommunication = await logged(b.accessToken, {
        clientId: bClient.clientId,
        channel: 'NOTE',
        direction: 'INTERNAL',
        body: 'Private to tenant B',
        occurredAt: new Date().toISOString(),
      });
      const aBefore = await communicationRows(a.tenantId);
      const bBefore = await communicationRows(b.tenantId);
      const bKey = await createApiKey(server, b, ['CLIENTS_READ', 'CLIENTS_WRITE']);

      for (const token of [b.accessToken, bKey.secret]) {
        expect(errorCode(await server.gql({ query: GET, variables: { id: aCommunication.id }, token }))).toBe('NOT_FOUND');
        expect(errorCode(await server.gql({ query: UPDATE, variables: { input: { id: aCommunication.id, body: 'hijacked' } }, token }))).toBe('NOT_FOUND');
        expect(errorCode(await server.gql({ query: DELETE, variables: { id: aCommunication.id }, token }))).toBe('NOT_FOUND');
        // Nested ids: A's client, or A's contact on B's own client.
        const nestedClient = await log(token, {
          clientId: aClient.clientId,
          channel: 'NOTE',
          direction: 'INTERNAL',
          body: 'x',
          occurredAt: new Date().toISOString(),
        });
        expect(errorCode(nestedClient)).toBe('NOT_FOUND');
        expect(nestedClient.body.errors?.[0]?.message).toBe('Client not found.');
        const nestedContact = await log(token, {
          clientId: bClient.clientId,
          contactId: aClient.contactIds[0],
          channel: 'NOTE',
          direction: 'INTERNAL',
          body: 'x',
          occurredAt: new Date().toISOString(),
        });
        expect(errorCode(nestedContact)).toBe('NOT_FOUND');
        expect(nestedContact.body.errors?.[0]?.message).toBe('Contact not found.');
        const listed = dataOf(await server.gql<ListData>({ query: LIST, variables: { first: 100 }, token })).communications;
        expect(listed.edges.map((e) => e.node.id)).toEqual([bCommunication.id]);
      }
      // A's side cannot reach B's either, also in an update's contact.
      expect(errorCode(await server.gql({ query: GET, variables: { id: bCommunication.id }, token: a.accessToken }))).toBe('NOT_FOUND');
      const aList = dataOf(await server.gql<ListData>({ query: LIST, variables: { first: 100 }, token: a.accessToken })).communications;
      expect(aList.edges.map((e) => e.node.id)).not.toContain(bCommunication.id);

      expect(await communicationRows(a.tenantId)).toEqual(aBefore);
      expect(await communicationRows(b.tenantId)).toEqual(bBefore);
    });
  });
});
