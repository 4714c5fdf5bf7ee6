import { isolatedDatabase, type IsolatedDatabase } from './support/database';
import { loadMigrations } from './support/migrations';
import { startTestServer, type TestServer } from './support/test-server';

// Instances share a database only on a PostgreSQL server: an embedded PGlite belongs to the one process that opened it
// (and its connections share one session, where an advisory lock excludes nobody).
const embedded = process.env.TEST_EMBEDDED_DATABASE === '1';
if (embedded) console.warn('concurrent-boot.e2e-spec: skipped on the embedded database; run it with DATABASE_URL');
const describeOnServer = embedded ? describe.skip : describe;

describeOnServer('two instances booting at once on a fresh database', () => {
  let db: IsolatedDatabase;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    db = await isolatedDatabase();
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await db.drop();
  });

  it('both boot: one applies the migrations while the other waits, then finds none pending', async () => {
    const boots = await Promise.allSettled([startTestServer({ DATABASE_URL: db.url }), startTestServer({ DATABASE_URL: db.url })]);
    for (const boot of boots) if (boot.status === 'fulfilled') servers.push(boot.value);
    expect(boots.map((boot) => (boot.status === 'rejected' ? String(boot.reason) : 'booted'))).toEqual(['booted', 'booted']);

    const logged = await db.query<{ name: string; times: string }>('select name, count(*) as times from mikro_orm_migrations group by name order by name');
    expect(logged).toEqual(loadMigrations().map((migration) => ({ name: migration.name, times: '1' })));
    for (const server of servers) expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
  });
});
