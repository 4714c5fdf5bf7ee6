import fc from 'fast-check';
import { buildSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { createApiKey, createClient, createContact, createOrder, signUpOwner, uniqueEmail, type SignedUpOwner } from './support/fixtures';
import { argumentsOf, fuzzedOperations, requestFor, type FuzzOperation, type KnownIds } from './support/schema-inputs';
import { TableChecksums } from './support/table-checksums';
import { dataOf, startTestServer, type GraphQLResponse, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

/**
 * Schema-driven fuzzing: every query and mutation that takes arguments gets FUZZ_RUNS generated argument sets
 * (see schema-inputs.ts), each sent by the signed-in owner of a tenant with data in it, on a database of the suite's
 * own. The seed is fixed so CI runs the same requests every time; FUZZ_SEED and FUZZ_RUNS explore further, and
 * FUZZ_SHRINK=1 lets fast-check shrink a failure to a smaller one (slower).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SHRINK = process.env.FUZZ_SHRINK === '1';

/**
 * What a failed mutation may still change, by design, and when: usage counts every operation whatever its outcome
 * (flushed on a timer); a permission refusal is entered in the audit trail after the rollback; and the two failures
 * the code keeps on purpose (keepChangesOnFailure): a failed log-in's audit entry, and the revocation of a refresh
 * token family whose used token came back.
 */
function allowedChanges(operation: FuzzOperation, response: GraphQLResponse): Set<string> {
  const allowed = new Set(['operation_usage']);
  const audited =
    (response.body.errors?.some((e) => e.extensions?.code === 'FORBIDDEN') ?? false) || operation.name === 'logIn' || operation.name === 'refreshSession';
  if (audited) ['audit_entry', 'audit_chain_head'].forEach((table) => allowed.add(table));
  if (operation.name === 'refreshSession') allowed.add('refresh_session');
  return allowed;
}

const shortJson = (value: unknown, max = 600) => {
  // JSON.stringify answers undefined for undefined, functions and symbols, whatever its declared type says.
  const text = (JSON.stringify(value) as string | undefined) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

describe('schema-driven fuzzing of every argument', () => {
  let db: IsolatedDatabase;
  let server: TestServer;
  let owner: SignedUpOwner;
  let known: KnownIds;
  let checksums: TableChecksums;
  const operations = fuzzedOperations(buildSchema(readFileSync(join(__dirname, '..', 'schema.gql'), 'utf8')));

  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startTestServer({
      DATABASE_URL: db.url,
      RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
      RATE_LIMIT_PER_ACTOR_PER_MINUTE: '1000000',
      LOGIN_MAX_FAILURES_PER_IP: '1000000',
    });
    owner = await signUpOwner(server);
    const client = await createClient(server, owner);
    const contact = await createContact(server, owner, client.id, { email: uniqueEmail('contact') });
    const order = await createOrder(server, owner, client.id, { contactId: contact.id });
    const gql = <T>(query: string, variables: Record<string, unknown>) => server.gql<T>({ query, variables, token: owner.accessToken }).then(dataOf);
    const line = await gql<{ order: { lines: { id: string }[] } }>(`query($id: ID!) { order(id: $id) { lines { id } } }`, { id: order.id });
    const communication = await gql<{ logCommunication: { id: string } }>(
      `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { id } }`,
      {
        input: {
          clientId: client.id,
          contactId: contact.id,
          channel: 'EMAIL',
          direction: 'OUTBOUND',
          body: 'Proof attached',
          occurredAt: new Date().toISOString(),
        },
      },
    );
    const invitation = await gql<{ inviteMember: { invitation: { id: string } } }>(
      `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { id } } }`,
      { input: { email: uniqueEmail('invitee'), role: 'VIEWER' } },
    );
    const support = await gql<{ createSupportRequest: { id: string } }>(
      `mutation($input: CreateSupportRequestInput!) { createSupportRequest(input: $input) { id } }`,
      { input: { subject: 'Help', body: 'Where is my proof?' } },
    );
    const privacy = await gql<{ filePrivacyRequest: { id: string } }>(
      `mutation($input: FilePrivacyRequestInput!) { filePrivacyRequest(input: $input) { id } }`,
      { input: { contactId: contact.id, type: 'ACCESS' } },
    );
    const key = await createApiKey(server, owner, ['ORDERS_READ']);
    known = {
      ids: [
        owner.userId,
        owner.tenantId,
        client.id,
        contact.id,
        order.id,
        ...line.order.lines.map((l) => l.id),
        communication.logCommunication.id,
        invitation.inviteMember.invitation.id,
        support.createSupportRequest.id,
        privacy.filePrivacyRequest.id,
        key.id,
      ],
    };
    checksums = await TableChecksums.open(db.url);
  });
  afterAll(async () => {
    await ifCreated(checksums)?.close();
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  /** What is wrong with the answer to one generated request, or null. */
  async function problemWith(operation: FuzzOperation, args: Record<string, unknown>, inline: boolean): Promise<string | null> {
    const request = requestFor(operation, args, inline);
    const before = operation.kind === 'mutation' ? await checksums.read() : null;
    let response: GraphQLResponse;
    try {
      response = await server.gql({ ...request, token: owner.accessToken });
    } catch (error) {
      return `no GraphQL answer: ${error instanceof Error ? error.message : String(error)}`;
    }
    const where = `\n  request: ${shortJson(request)}\n  answer ${response.status}: ${shortJson(response.body)}`;
    if (response.status >= 500) return `HTTP ${response.status}${where}`;
    if (response.body.errors?.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR')) return `INTERNAL_SERVER_ERROR${where}`;
    const failed = (response.body.errors?.length ?? 0) > 0 && response.body.data?.[operation.name] == null;
    if (before && failed) {
      const allowed = allowedChanges(operation, response);
      const changed = TableChecksums.changed(before, await checksums.read()).filter((table) => !allowed.has(table));
      if (changed.length > 0) return `the failed mutation changed rows of ${changed.join(', ')}${where}`;
    }
    return null;
  }

  it('covers every argument-taking field of schema.gql', () => {
    expect(operations.length).toBeGreaterThan(60);
  });

  it(`answers every generated request without a 5xx or INTERNAL_SERVER_ERROR, and a failed mutation changes no row (seed ${SEED}, ${RUNS} runs per field)`, async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      const inline = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
      const property = fc.asyncProperty(argumentsOf(operation.field, known), inline, async (args, asLiterals) => {
        const problem = await problemWith(operation, args, asLiterals);
        if (problem) throw new Error(problem);
      });
      const details = await fc.check(property, { seed: SEED, numRuns: RUNS, endOnFailure: !SHRINK });
      if (details.failed) {
        const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        failures.push(`${operation.kind} ${operation.name} (FUZZ_SEED=${details.seed}, path ${details.counterexamplePath}): ${cause}`);
      }
    }
    if (failures.length > 0) {
      throw new Error(`${failures.length} of ${operations.length} fields failed; reproduce with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}:\n${failures.join('\n')}`);
    }
  }, 600_000);
});
