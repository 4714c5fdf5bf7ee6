import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import type { FieldChange } from '../../common/privacy/rectification.js';
import { tenantScoped, type SqlFragment } from '../../database/tenant-sql.js';

/** Whose requests' history is blanked: a contact's, a user's, or a whole purged tenant's. */
export type RequestHistoryScope = { subjectContactId: string } | { subjectUserId: string } | { tenantId: string };

const COLUMN = { subjectContactId: 'subject_contact_id', subjectUserId: 'subject_user_id' } as const;

/**
 * Blanks the people's words in privacy requests' history: event notes, and the rectified values (`changes`) in their
 * details. The kinds, times and step names stay, as the record that each right was honoured. Idempotent.
 */
export async function blankRequestHistory(em: EntityManager, scope: RequestHistoryScope): Promise<number> {
  const requests: SqlFragment =
    'tenantId' in scope
      ? tenantScoped(scope)
      : 'subjectContactId' in scope
        ? { sql: `${COLUMN.subjectContactId} = ?`, params: [scope.subjectContactId] }
        : { sql: `${COLUMN.subjectUserId} = ?`, params: [scope.subjectUserId] };
  const result = await em.execute<QueryResult>(
    `update data_subject_request_event set note = null, details = nullif(details - 'changes', '{}'::jsonb)
      where request_id in (select id from data_subject_request where ${requests.sql}) and (note is not null or jsonb_exists(details, 'changes'))`,
    [...requests.params],
    'run',
  );
  return result.affectedRows;
}

/**
 * Every value the subject's rectifications changed (old and new), from their requests' history, before erasure blanks
 * it: addresses and names the person was known by, which erasure looks for and suppresses as well as the current ones.
 */
export async function rectifiedValues(em: EntityManager, scope: { subjectContactId: string } | { subjectUserId: string }): Promise<FieldChange[]> {
  const [key, value] = Object.entries(scope)[0] as [keyof typeof COLUMN, string];
  const rows = await em.execute<{ change: FieldChange }[]>(
    `select change from data_subject_request_event e
       join data_subject_request r on r.id = e.request_id
       cross join lateral jsonb_array_elements(case when jsonb_typeof(e.details -> 'changes') = 'array' then e.details -> 'changes' else '[]'::jsonb end) change
      where r.${COLUMN[key]} = ?
      order by e.created_at, e.id`,
    [value],
  );
  return rows.map((row) => (typeof row.change === 'string' ? (JSON.parse(row.change) as FieldChange) : row.change));
}
