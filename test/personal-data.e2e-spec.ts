import { NOT_FREE_TEXT, NOT_PERSONAL } from '../src/privacy/personal-data/not-personal';
import { personalDataCoverage, type CatalogColumn } from '../src/privacy/personal-data/personal-data.coverage';
import { PersonalDataRegistry } from '../src/privacy/personal-data/personal-data.registry';
import { PersonalDataTreatment } from '../src/common/privacy/personal-data';
import { privilegedQuery } from './support/database';
import { startTestServer, type TestServer } from './support/test-server';
import { ifCreated } from './support/required';

/** Every column of every table in `schema`, with the table its foreign key (if any) points at. */
async function catalogOf(schema: string): Promise<CatalogColumn[]> {
  return privilegedQuery<CatalogColumn>(
    `select c.relname as "table", a.attname as "column",
            (select r.relname from pg_constraint k join pg_class r on r.oid = k.confrelid
              where k.conrelid = c.oid and k.contype = 'f' and a.attnum = any (k.conkey) limit 1) as "references",
            i.data_type as "dataType", i.character_maximum_length as "maxLength"
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       join information_schema.columns i on i.table_schema = n.nspname and i.table_name = c.relname and i.column_name = a.attname
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
  afterAll(async () => ifCreated(server)?.close());

  it('collects a declaration from every module that holds personal data', () => {
    expect(
      registry
        .all()
        .map((d) => d.module)
        .sort(),
    ).toEqual(['accounts', 'audit', 'billing', 'business', 'consent', 'jobs', 'privacy']);
    expect(registry.table('contact')).toMatchObject({ module: 'business', links: [{ subject: 'contact', column: 'id' }] });
    expect(registry.table('order')).toMatchObject({ onErasure: 'PSEUDONYMISE_ROW' });
    expect(registry.table('audit_entry')?.columns.every((c) => c.treatment === PersonalDataTreatment.REDACT)).toBe(true);
  });

  it('declares every column of the migrated database that looks personal or may hold free text, or excuses it with a reason', async () => {
    const report = personalDataCoverage(await catalogOf('public'), registry.tables(), NOT_PERSONAL, NOT_FREE_TEXT);
    // A failure here names the columns: declare them in their module's *.personal-data.ts (free text in the table's
    // `freeText`, so that erasure replaces identifiers in it), or (if they are not about a person, or hold no one's
    // words) add them with a reason to src/privacy/personal-data/not-personal.ts.
    expect(report).toEqual({ undeclared: [], undeclaredFreeText: [], stale: [], staleAllowances: [] });
    for (const [column, reason] of Object.entries({ ...NOT_PERSONAL, ...NOT_FREE_TEXT })) expect([column, reason.length > 10]).toEqual([column, true]);
  });

  it('declares the free text of orders, clients, communications and support threads, and what identifies each subject', () => {
    const freeText = registry.tables().flatMap((t) => (t.freeText ?? []).map((c) => `${t.table}.${c.column}`));
    expect(freeText).toEqual(
      expect.arrayContaining(['order.notes', 'client.notes', 'communication.body', 'support_request.body', 'support_reply.body', 'order_line.decoration']),
    );
    const identifying = (table: string) =>
      registry
        .table(table)
        ?.columns.filter((c) => c.identifies)
        .map((c) => [c.column, c.identifies]);
    expect(identifying('contact')).toEqual([
      ['first_name', 'name'],
      ['last_name', 'name'],
      ['email', 'email'],
      ['phone', 'phone'],
    ]);
    expect(identifying('user')).toEqual([
      ['full_name', 'name'],
      ['email', 'email'],
      ['phone', 'phone'],
    ]);
  });

  it('fails for a new table with an undeclared personal column, link to a contact, or free text', async () => {
    // A scratch schema, so that other suites reading the catalog of `public` meanwhile are not disturbed.
    await privilegedQuery(`create schema if not exists personal_data_probe`);
    try {
      await privilegedQuery(
        `create table if not exists personal_data_probe.loyalty_card (id uuid primary key, contact_id uuid, holder_email text, points int,
           remarks varchar(200), terms_accepted text, engraving varchar(1000), code varchar(20), logo bytea)`,
      );
      const report = personalDataCoverage(await catalogOf('personal_data_probe'), registry.tables(), NOT_PERSONAL, NOT_FREE_TEXT);
      expect(report.undeclared).toEqual(['loyalty_card.contact_id', 'loyalty_card.holder_email']);
      // By name (remarks), by type (unbounded text) or by length (prose): a purchase order's or proof's notes to come.
      expect(report.undeclaredFreeText).toEqual(['loyalty_card.engraving', 'loyalty_card.holder_email', 'loyalty_card.remarks', 'loyalty_card.terms_accepted']);
    } finally {
      await privilegedQuery(`drop schema personal_data_probe cascade`);
    }
  });

  it('flags foreign keys to users or contacts whatever the column is called', () => {
    const column = (name: string, references: string | null) => ({ table: 'gift', column: name, references, dataType: 'uuid', maxLength: null });
    const report = personalDataCoverage([column('recipient', 'contact'), column('sku', null)], registry.tables(), {});
    expect(report.undeclared).toEqual(['gift.recipient']);
  });
});
