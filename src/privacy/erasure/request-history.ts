import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';

/** Whose requests' history is blanked: a contact's, a user's, or a whole purged tenant's. */
export type RequestHistoryScope = { subjectContactId: string } | { subjectUserId: string } | { tenantId: string };

const COLUMN = { subjectContactId: 'subject_contact_id', subjectUserId: 'subject_user_id', tenantId: 'tenant_id' } as const;

/**
 * Blanks the people's words in privacy requests' history: event notes, and the rectified values (`changes`) in their
 * details. The kinds, times and step names stay, as the record that each right was honoured. Idempotent.
 */
export async function blankRequestHistory(em: EntityManager, scope: RequestHistoryScope): Promise<number> {
  const [key, value] = Object.entries(scope)[0] as [keyof typeof COLUMN, string];
  const result = await em.execute<QueryResult>(
    `update data_subject_request_event set note = null, details = nullif(details - 'changes', '{}'::jsonb)
      where request_id in (select id from data_subject_request where ${COLUMN[key]} = ?) and (note is not null or jsonb_exists(details, 'changes'))`,
    [value],
    'run',
  );
  return result.affectedRows;
}
