import { addMember, signUpOwner, type SignedUpOwner } from './support/fixtures';
import { privilegedQuery } from './support/database';
import { badFields, dataOf, errorCode, startTestServer, type TestServer } from './support/test-server';
import { OperationUsageCounter } from '../src/audit/usage/operation-usage.counter';
import { ifCreated } from './support/required';

const RECORD = `mutation($input: RecordUsageInput!) { recordUsage(input: $input) { recorded storedEvents } }`;
const SUMMARY = /* GraphQL */ `
  query ($from: DateTime!, $to: DateTime!) {
    usageSummary(from: $from, to: $to) {
      activeUsers
      sessions
      medianSessionSeconds
      topFeatures {
        name
        count
      }
      topPages {
        name
        count
      }
      topOperations {
        operationType
        fieldName
        count
      }
    }
  }
`;
const CONSENT = `mutation($input: RecordMyConsentInput!) { recordMyConsent(input: $input) { __typename } }`;

interface Summary {
  activeUsers: number;
  sessions: number;
  medianSessionSeconds: number | null;
  topFeatures: { name: string; count: number }[];
  topPages: { name: string; count: number }[];
  topOperations: { operationType: string; fieldName: string; count: number }[];
}

describe('usage data', () => {
  let server: TestServer;
  let owner: SignedUpOwner;

  const analytics = async (token: string, status: 'GRANTED' | 'WITHDRAWN') =>
    dataOf(await server.gql({ query: CONSENT, variables: { input: { choices: [{ purpose: 'ANALYTICS', status }] } }, token }));
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const session = (sessionId: string, durationMs: number) => [
    { kind: 'SESSION_START', name: 'web', sessionId, occurredAt: ago(durationMs + 1000) },
    { kind: 'PAGE_VIEW', name: '/orders', sessionId, occurredAt: ago(durationMs) },
    { kind: 'FEATURE_USED', name: 'order.duplicate', sessionId, occurredAt: ago(durationMs - 10) },
    { kind: 'SESSION_END', name: 'web', sessionId, durationMs, occurredAt: ago(1000) },
  ];
  const summary = async (token: string) =>
    dataOf(
      await server.gql<{ usageSummary: Summary }>({
        query: SUMMARY,
        variables: { from: ago(3_600_000), to: new Date(Date.now() + 60_000).toISOString() },
        token,
      }),
    ).usageSummary;

  beforeAll(async () => {
    server = await startTestServer({ MAINTENANCE_INTERVAL_MINUTES: '0' });
    owner = await signUpOwner(server);
  });
  afterAll(async () => ifCreated(server)?.close());

  it('stores usage events only while the user consents to ANALYTICS, and summarises them for admins', async () => {
    const rep = await addMember(server, owner, 'SALES_REP');
    // No consent yet: nothing stored.
    expect(
      dataOf(await server.gql<{ recordUsage: unknown }>({ query: RECORD, variables: { input: { events: session('s-0', 60_000) } }, token: rep.accessToken }))
        .recordUsage,
    ).toEqual({ recorded: false, storedEvents: 0 });
    expect(await privilegedQuery(`select 1 from usage_event where user_id = $1`, [rep.userId])).toEqual([]);

    await analytics(rep.accessToken, 'GRANTED');
    await analytics(owner.accessToken, 'GRANTED');
    expect(
      dataOf(await server.gql<{ recordUsage: unknown }>({ query: RECORD, variables: { input: { events: session('s-1', 60_000) } }, token: rep.accessToken }))
        .recordUsage,
    ).toEqual({ recorded: true, storedEvents: 4 });
    dataOf(await server.gql({ query: RECORD, variables: { input: { events: session('s-2', 180_000) } }, token: owner.accessToken }));
    dataOf(await server.gql({ query: RECORD, variables: { input: { events: session('s-3', 120_000) } }, token: owner.accessToken }));

    // Withdrawn: stops at once.
    await analytics(rep.accessToken, 'WITHDRAWN');
    const afterWithdrawal = await server.gql<{ recordUsage: { recorded: boolean } }>({
      query: RECORD,
      variables: { input: { events: session('s-4', 1000) } },
      token: rep.accessToken,
    });
    expect(dataOf(afterWithdrawal).recordUsage.recorded).toBe(false);

    // Usage pings are not audit entries (their own table is the record).
    const [{ count }] = await privilegedQuery<{ count: string }>(`select count(*) from audit_entry where tenant_id = $1 and action = 'recordUsage'`, [
      owner.tenantId,
    ]);
    expect(count).toBe('0');

    await server.app.get(OperationUsageCounter).flush();
    const result = await summary(owner.accessToken);
    expect(result).toMatchObject({
      activeUsers: 2,
      sessions: 3,
      medianSessionSeconds: 120,
      topFeatures: [{ name: 'order.duplicate', count: 3 }],
      topPages: [{ name: '/orders', count: 3 }],
    });
    // Every operation is counted, without consent (no user is named): the summary query's own predecessors included.
    expect(result.topOperations).toEqual(
      expect.arrayContaining([
        { operationType: 'mutation', fieldName: 'recordUsage', count: 5 },
        { operationType: 'mutation', fieldName: 'recordMyConsent', count: 3 },
      ]),
    );
    expect(errorCode(await server.gql({ query: SUMMARY, variables: { from: ago(1000), to: ago(0) }, token: rep.accessToken }))).toBe('FORBIDDEN');
  });

  it('refuses bad events and ranges with the field named, storing nothing', async () => {
    await analytics(owner.accessToken, 'GRANTED');
    const before = await privilegedQuery(`select id from usage_event where tenant_id = $1`, [owner.tenantId]);
    const bad = async (event: Record<string, unknown>) =>
      badFields(
        await server.gql({
          query: RECORD,
          variables: { input: { events: [{ kind: 'PAGE_VIEW', name: '/x', sessionId: 's', occurredAt: ago(0), ...event }] } },
          token: owner.accessToken,
        }),
      );
    expect(await bad({ name: '/orders?email=someone@example.com' })).toEqual(['events.0.name']);
    expect(await bad({ occurredAt: ago(2 * 24 * 3_600_000) })).toEqual(['events.0.occurredAt']);
    expect(await bad({ durationMs: 5 })).toEqual(['events.0.durationMs']);
    expect(await bad({ sessionId: 'x'.repeat(101) })).toEqual(['events.0.sessionId']);
    const tooMany = Array.from({ length: 51 }, () => ({ kind: 'PAGE_VIEW', name: '/x', sessionId: 's', occurredAt: ago(0) }));
    expect(badFields(await server.gql({ query: RECORD, variables: { input: { events: tooMany } }, token: owner.accessToken }))).toEqual(['events']);
    expect(await privilegedQuery(`select id from usage_event where tenant_id = $1`, [owner.tenantId])).toEqual(before);
    expect(badFields(await server.gql({ query: SUMMARY, variables: { from: ago(0), to: ago(1000) }, token: owner.accessToken }))).toEqual(['to']);
  });
});
