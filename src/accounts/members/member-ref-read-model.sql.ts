import { read, type ObjectReadModel, type RelatedField } from '../../database/read-model/read-model.js';

/** How a member reads by name in SQL, for the compiled read path: the tenant's membership of a user, with their name. */
export const MEMBER_REF_READ_MODEL: ObjectReadModel = {
  type: 'MemberRef',
  fields: { userId: read.column('user_id'), fullName: read.column('full_name') },
};

/**
 * A field of another module's type that names a member by user id (a client's owner, a communication's author), as
 * MemberDirectory.summaries answers it: the member of the tenant, or null when the user is none (any more).
 */
export function memberRef(userIdColumn: string): RelatedField {
  return read.related(
    'MemberRef',
    (row, alias) =>
      `(select mm.user_id, mm.tenant_id, mu.full_name from membership mm join "user" mu on mu.id = mm.user_id) ${alias}
        where ${alias}.user_id = ${row.col(userIdColumn)}`,
  );
}
