import { join } from 'node:path';
import { mayHoldSql, projectProgram, rawSqlUses } from './support/raw-sql-scan';

const ROOT = join(__dirname, '..');

/**
 * Raw SQL (`em.execute`, query builders, SQL text) lives in `src/database/` and in files named for it (`*.sql.ts`,
 * `*.reader.ts`; migrations sit outside src/), so that every statement, and its tenant predicate, is found in a few
 * known places. The scan uses the TypeScript compiler with the project's types: `.execute(` counts only when it is
 * MikroORM's (or a SQL library's), not an unrelated method of that name.
 */
describe('raw SQL location', () => {
  it('holds no raw SQL outside src/database, *.sql.ts and *.reader.ts', () => {
    const uses = rawSqlUses(projectProgram(ROOT), ROOT);
    const listing = uses.map((use) => `${use.file}:${use.line} ${use.what}`).join('\n');
    expect(listing).toBe('');
  });

  it('finds each kind of raw SQL, and allows it only in the files named for it', () => {
    const sample = `
      import { EntityManager, raw } from '@mikro-orm/postgresql';
      export class Sample {
        constructor(private readonly em: EntityManager) {}
        async run(table: string): Promise<void> {
          await this.em.execute('select 1');
          await this.em.getKysely().selectFrom('client').selectAll().execute();
          this.em.findOne('Client', { id: raw('1') });
          void \`update \${table} set name = ? where id = ?\`;
          void 'DELETE FROM contact';
          void "insert into client (id) values (?)";
          void 'select c.id from client c';
        }
        async unrelated(): Promise<void> {
          const runner = { execute: (text: string) => text };
          runner.execute('Deleted from the list; update the settings, then select one');
        }
      }
    `;
    const files = { 'src/sample/sample.service.ts': sample, 'src/sample/sample.sql.ts': sample, 'src/sample/sample.reader.ts': sample };
    const uses = rawSqlUses(projectProgram(ROOT, files), ROOT).filter((use) => use.file.startsWith('src/sample/'));
    expect(uses.map((use) => [use.file, use.line, use.what.split(':')[0].split(' ')[0]])).toEqual([
      ['src/sample/sample.service.ts', 6, '.execute()'],
      ['src/sample/sample.service.ts', 7, 'getKysely'],
      ['src/sample/sample.service.ts', 7, '.execute()'],
      ['src/sample/sample.service.ts', 8, 'raw()'],
      ['src/sample/sample.service.ts', 9, 'SQL'],
      ['src/sample/sample.service.ts', 10, 'SQL'],
      ['src/sample/sample.service.ts', 11, 'SQL'],
      ['src/sample/sample.service.ts', 12, 'SQL'],
    ]);
    expect(mayHoldSql('src/database/tenant-sql.ts')).toBe(true);
    expect(mayHoldSql('src/business/orders/order.service.ts')).toBe(false);
  });
});
