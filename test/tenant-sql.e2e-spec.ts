import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { systemContext } from '../src/common/context/request-context';
import { tenantScopedFork } from '../src/database/tenant-session';
import { SESSION_TENANT, sessionTenantPredicate, sessionUuid, tenantScoped } from '../src/database/tenant-sql';
import { createClient, signUpOwner } from './support/fixtures';
import { startTestServer, type TestServer } from './support/test-server';

const ctx = (tenantId: string) => systemContext('tenant-sql-test', tenantId, new Set());

describe('tenantScoped: the tenant predicate of hand-written SQL', () => {
  it('names the tenant once per alias, as bound values, with the names quoted', () => {
    expect(tenantScoped(ctx('t-1'))).toEqual({ sql: '"tenant_id" = ?', params: ['t-1'] });
    expect(tenantScoped(ctx('t-1'), { aliases: ['o', 'l'] })).toEqual({ sql: '"o"."tenant_id" = ? and "l"."tenant_id" = ?', params: ['t-1', 't-1'] });
    expect(tenantScoped(ctx('t-1'), { aliases: ['e'], column: 'chain_key' })).toEqual({ sql: '"e"."chain_key" = ?', params: ['t-1'] });
    // An alias can only ever be a name: a quote in it is doubled, never ends the identifier.
    expect(tenantScoped(ctx('t-1'), { aliases: ['o" or true --'] }).sql).toBe('"o"" or true --"."tenant_id" = ?');
    expect(() => tenantScoped({ tenantId: '' })).toThrow(/needs a tenant/);
  });

  it('gives policies and triggers the session fragment, exactly as the migrations wrote it', () => {
    expect(SESSION_TENANT).toBe(`nullif(current_setting('app.tenant_id', true), '')::uuid`);
    expect(sessionTenantPredicate()).toBe(`tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid`);
    expect(() => sessionTenantPredicate('tenant_id; drop table client')).toThrow(/plain column name/);
    expect(() => sessionUuid(`app.tenant_id', true) or true --`)).toThrow(/session setting/);
  });

  describe('against PostgreSQL', () => {
    let server: TestServer;
    let orm: MikroORM;
    beforeAll(async () => {
      server = await startTestServer();
      orm = server.app.get(MikroORM);
    });
    afterAll(() => server.close());

    /** Client names a statement sees with `where` + the helper's predicate, run in `sessionTenant`'s transaction. */
    const names = (sessionTenant: string, where: (em: EntityManager) => Promise<{ name: string }[]>) =>
      tenantScopedFork(orm, sessionTenant).transactional(async (tx) => (await where(tx)).map((row) => row.name).sort());

    it('keeps a statement to its tenant, and the session fragment agrees with it', async () => {
      const a = await signUpOwner(server);
      const b = await signUpOwner(server);
      await createClient(server, a, { name: 'A client' });
      await createClient(server, b, { name: 'B client' });
      const inA = tenantScoped(ctx(a.tenantId), { aliases: ['c'] });
      expect(await names(a.tenantId, (tx) => tx.execute(`select c.name from client c where ${inA.sql}`, [...inA.params]))).toEqual(['A client']);
      expect(await names(a.tenantId, (tx) => tx.execute(`select name from client where ${sessionTenantPredicate()}`))).toEqual(['A client']);
      // Row-level security underneath: a predicate naming B, in A's transaction, reaches nothing of B.
      const inB = tenantScoped(ctx(b.tenantId), { aliases: ['c'] });
      expect(await names(a.tenantId, (tx) => tx.execute(`select c.name from client c where ${inB.sql}`, [...inB.params]))).toEqual([]);
    });
  });
});
