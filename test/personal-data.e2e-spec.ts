import { NOT_PERSONAL } from '../src/privacy/personal-data/not-personal';
import { personalDataCoverage, type CatalogColumn } from '../src/privacy/personal-data/personal-data.coverage';
import { PersonalDataRegistry } from '../src/privacy/personal-data/personal-data.registry';
import { PersonalDataTreatment } from '../src/common/privacy/personal-data';
import { privilegedQuery } from './support/database';
import { startTestServer, type TestServer } from './support/test-server';

/** Every column of every table in `schema`, with the table its foreign key (if any) points at. */
async function catalogOf(schema: string): Promise<CatalogColumn[]> {
  return privilegedQuery<CatalogColumn>(
    `select c.relname as "table", a.attname as "column",
            (select r.relname from pg_constraint k join pg_class r on r.oid = k.confrelid
              where k.conrelid = c.oid and k.contype = 'f' and a.attnum = any (k.conkey) limit 1) as "references"
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = $1 and c.relkind in ('r', 'p') and c.relname <> 'mikro_orm_migrations'
      order by 1, 2`,
    [schema],
  );
}

describe('personal-data registry', () => {
  let server: TestServer;
  let registry: PersonalDataRegistry;

  beforeAll(async () => {
    server = await startTestServer({ MAINTENANCE_INTERVAL_MINUTES: '0' });
    registry = server.app.get(PersonalDataRegistry);
  });
  afterAll(async () => server?.close());

  it('collects a declaration from every module that holds personal data', () => {
    expect(registry.all().map((d) => d.module).sort()).toEqual(['accounts', 'audit', 'billing', 'business', 'consent', 'privacy']);
    expect(registry.table('contact')).toMatchObject({ module: 'business', links: [{ subject: 'contact', column: 'id' }] });
    expect(registry.table('order')).toMatchObject({ onErasure: 'PSEUDONYMISE_ROW' });
    expect(registry.table('audit_entry')?.columns.every((c) => c.treatment === PersonalDataTreatment.REDACT)).toBe(true);
  });

  it('declares every column of the migrated database that looks personal, or excuses it with a reason', async () => {
    const report = personalDataCoverage(await catalogOf('public'), registry.tables(), NOT_PERSONAL);
    // A failure here names the columns: declare them in their module's *.personal-data.ts, or (if they are not about
    // a person) add them with a reason to src/privacy/personal-data/not-personal.ts.
    expect(report).toEqual({ undeclared: [], stale: [], staleAllowances: [] });
    for (const [column, reason] of Object.entries(NOT_PERSONAL)) expect([column, reason.length > 10]).toEqual([column, true]);
  });

  it('fails for a new table with an undeclared personal column or link to a contact', async () => {
    // A scratch schema, so that other suites reading the catalog of `public` meanwhile are not disturbed.
    await privilegedQuery(`create schema if not exists personal_data_probe`);
    try {
      await privilegedQuery(`create table if not exists personal_data_probe.loyalty_card (id uuid primary key, contact_id uuid, holder_email text, points int)`);
      const report = personalDataCoverage(await catalogOf('personal_data_probe'), registry.tables(), NOT_PERSONAL);
      expect(report.undeclared).toEqual(['loyalty_card.contact_id', 'loyalty_card.holder_email']);
    } finally {
      await privilegedQuery(`drop schema personal_data_probe cascade`);
    }
  });

  it('flags foreign keys to users or contacts whatever the column is called', async () => {
    const report = personalDataCoverage(
      [{ table: 'gift', column: 'recipient', references: 'contact' }, { table: 'gift', column: 'sku', references: null }],
      registry.tables(),
      {},
    );
    expect(report.undeclared).toEqual(['gift.recipient']);
  });
});
