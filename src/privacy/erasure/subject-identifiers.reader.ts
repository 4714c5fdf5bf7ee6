import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DataSubjectKind, PersonalDataTable } from '../../common/privacy/personal-data.js';
import { quoteIdentifier as quote } from '../../database/sql-identifier.js';
import { PersonalDataRegistry } from '../personal-data/personal-data.registry.js';
import { pseudonymOf } from './personal-data-eraser.sql.js';
import type { SubjectIdentifiers } from './identifier-patterns.js';
import { rectifiedValues } from './request-history.sql.js';

/**
 * Everything a subject was known by: the columns of their own row that the registry declares as identifying them
 * (`identifies`), and every value their rectifications replaced or set, from their requests' history. Read while the
 * row and the history still hold them: erasure looks for all of them in free text and suppresses every address.
 */
@Injectable()
export class SubjectIdentifierReader {
  constructor(private readonly registry: PersonalDataRegistry) {}

  async of(em: EntityManager, subject: { kind: DataSubjectKind; id: string }): Promise<SubjectIdentifiers> {
    const identifying = this.ownTable(subject.kind).columns.filter((c) => c.identifies);
    const rows = await em.execute<Record<string, string | null>[]>(
      `select ${identifying.map((c) => quote(c.column)).join(', ')} from ${quote(this.ownTable(subject.kind).table)} where id = ?`,
      [subject.id],
    );
    const row = rows.at(0);
    const found: SubjectIdentifiers = { names: [], emails: [], phones: [] };
    const lists = { name: found.names, email: found.emails, phone: found.phones };
    // A row erased before (a second request) holds its pseudonym, which names no one and must not be searched for.
    const pseudonym = pseudonymOf(subject.id);
    const add = (column: string, value: string | null | undefined) => {
      const kind = identifying.find((c) => c.column === column)?.identifies;
      if (!value || !kind || value.startsWith(pseudonym) || lists[kind].includes(value)) return;
      lists[kind].push(value);
    };
    if (row) {
      // The full name as it is usually written (a contact's first and last name), then each name column on its own.
      const fullName = identifying
        .filter((c) => c.identifies === 'name')
        .map((c) => row[c.column])
        .filter((value) => value && !value.startsWith(pseudonym))
        .join(' ');
      if (fullName) found.names.push(fullName);
      for (const column of identifying) add(column.column, row[column.column]);
    }
    const history = await rectifiedValues(em, subject.kind === 'contact' ? { subjectContactId: subject.id } : { subjectUserId: subject.id });
    for (const change of history) {
      // Fields are named as the API names them (firstName): the registry names columns (first_name).
      const column = change.field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
      add(column, change.old);
      add(column, change.new);
    }
    return found;
  }

  /** The registry's own subject table (`contact`, `user`): the one whose `id` is the subject. */
  private ownTable(kind: DataSubjectKind): PersonalDataTable {
    const table = this.registry.tables().find((t) => t.links.some((link) => link.subject === kind && link.column === 'id'));
    if (!table) throw new Error(`No module declares the ${kind} table itself.`);
    return table;
  }
}
