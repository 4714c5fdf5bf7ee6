import { Client } from 'pg';
import { createClient, signUpOwner, type SignedUpOwner } from './support/fixtures';
import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { dataOf, startTestServer, type TestServer } from './support/test-server';
import { RetentionJobs } from '../src/audit/retention.jobs';
import { OperationUsageCounter } from '../src/audit/usage/operation-usage.counter';
import { ifCreated } from './support/required';

const DAY = 24 * 3600 * 1000;

/** The retention jobs act on every row of a database, so this suite has a database of its own. */
describe('retention jobs', () => {
  let db: IsolatedDatabase;
  let server: TestServer;
  let owner: SignedUpOwner;
  let jobs: RetentionJobs;

  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startTestServer({ DATABASE_URL: db.url, MAINTENANCE_INTERVAL_MINUTES: '0' });
    owner = await signUpOwner(server);
    jobs = server.app.get(RetentionJobs);
  });
  afterAll(async () => {
    await ifCreated(server)?.close();
    await ifCreated(db)?.drop();
  });

  it('truncates IP addresses after IP_RETENTION_DAYS, in audit entries and sessions, keeping the audit chain valid', async () => {
    await createClient(server, owner, { name: 'Old news' });
    // Nothing is old enough yet.
    expect(await jobs.run(new Date())).toMatchObject({ ran: true, auditIpsTruncated: 0, sessionIpsTruncated: 0 });
    const fresh = await db.query<{ ip: string; redacted_at: Date | null }>(`select ip, redacted_at from audit_entry where tenant_id = $1`, [owner.tenantId]);
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    expect(fresh.every((r) => r.redacted_at === null && r.ip.includes('127.0.0.1'))).toBe(true);

    const later = await jobs.run(new Date(Date.now() + 31 * DAY));
    expect(later.auditIpsTruncated).toBeGreaterThanOrEqual(2);
    expect(later.sessionIpsTruncated).toBe(1);
    const old = await db.query<{ ip: string; redacted_at: Date | null; personal_salt: string | null }>(
      `select ip, redacted_at, personal_salt from audit_entry where tenant_id = $1`,
      [owner.tenantId],
    );
    for (const row of old) {
      expect(row.ip).toBe('127.0.0.0');
      expect(row.redacted_at).not.toBeNull();
      expect(row.personal_salt).toBeNull();
    }
    expect((await db.query<{ ip: string }>(`select ip from refresh_session`)).map((s) => s.ip)).toEqual(['127.0.0.0']);
    // A second run finds nothing left to do.
    expect(await jobs.run(new Date(Date.now() + 31 * DAY))).toMatchObject({ auditIpsTruncated: 0, sessionIpsTruncated: 0 });
    const verified = dataOf(
      await server.gql<{ verifyAuditChain: { valid: boolean; entriesChecked: number } }>({
        query: `query { verifyAuditChain { valid entriesChecked } }`,
        token: owner.accessToken,
      }),
    ).verifyAuditChain;
    expect(verified.valid).toBe(true);
    expect(verified.entriesChecked).toBe(old.length);
  });

  it('deletes usage events and operation counts after USAGE_RETENTION_DAYS', async () => {
    dataOf(
      await server.gql({
        query: `mutation { recordMyConsent(input: { choices: [{ purpose: ANALYTICS, status: GRANTED }] }) { __typename } }`,
        token: owner.accessToken,
      }),
    );
    const at = new Date().toISOString();
    const recorded = await server.gql<{ recordUsage: { recorded: boolean } }>({
      query: `mutation($at: DateTime!) { recordUsage(input: { events: [{ kind: PAGE_VIEW, name: "/orders", sessionId: "s", occurredAt: $at }] }) { recorded } }`,
      variables: { at },
      token: owner.accessToken,
    });
    expect(dataOf(recorded).recordUsage.recorded).toBe(true);
    await server.app.get(OperationUsageCounter).flush();
    const count = async (table: string) => Number((await db.query<{ n: string }>(`select count(*) as n from ${table}`))[0].n);
    expect(await count('usage_event')).toBe(1);
    expect(await count('operation_usage')).toBeGreaterThan(0);

    expect(await jobs.run(new Date(Date.now() + 179 * DAY))).toMatchObject({ ran: true, usageEventsDeleted: 0, operationCountsDeleted: 0 });
    const later = await jobs.run(new Date(Date.now() + 181 * DAY));
    expect(later.usageEventsDeleted).toBe(1);
    expect(later.operationCountsDeleted).toBeGreaterThan(0);
    expect(await count('usage_event')).toBe(0);
    expect(await count('operation_usage')).toBe(0);
  });

  it('thins order feed marks older than a day to the last one per tenant and day, keeping recent ones', async () => {
    const at = (daysAgo: number, hour: number) => {
      const d = new Date(Date.now() - daysAgo * DAY);
      d.setUTCHours(hour, 0, 0, 0);
      return d.toISOString();
    };
    const marks = [at(5, 1), at(5, 9), at(5, 17), at(4, 12), at(0, 0)];
    for (const createdAt of marks) {
      await db.query(
        `insert into order_feed_mark (id, created_at, updated_at, tenant_id, change_xid, updated_up_to)
         values (gen_random_uuid(), $1, $1, $2, '1', $1)`,
        [createdAt, owner.tenantId],
      );
    }
    const result = await jobs.run(new Date());
    expect(result.orderFeedMarksThinned).toBe(2);
    const left = await db.query<{ created_at: Date }>(`select created_at from order_feed_mark where tenant_id = $1 order by created_at`, [owner.tenantId]);
    expect(left.map((m) => m.created_at.toISOString())).toEqual([at(5, 17), at(4, 12), at(0, 0)]);
  });

  // PGlite is one database session behind all its connections, so an advisory lock can not exclude anyone there.
  const onServer = process.env.TEST_EMBEDDED_DATABASE === '1' ? it.skip : it;
  onServer('runs on one instance at a time: a round finding the lock taken skips', async () => {
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query(`select pg_advisory_lock(hashtext('promox:retention'))`);
      expect(await jobs.run()).toMatchObject({ ran: false });
      await holder.query(`select pg_advisory_unlock(hashtext('promox:retention'))`);
      expect(await jobs.run()).toMatchObject({ ran: true });
    } finally {
      await holder.end();
    }
  });
});
