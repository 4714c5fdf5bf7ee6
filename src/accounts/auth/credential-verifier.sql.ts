import type { EntityManager } from '@mikro-orm/postgresql';
import type { PlatformRole } from '../../common/authorization/platform-role.js';
import type { Role } from '../../common/authorization/permission.js';
import { tenantScoped } from '../../database/tenant-sql.js';

export interface SessionStanding {
  alive: boolean;
  role: Role | null;
  platform_role: PlatformRole | null;
}

/**
 * In one statement (on the authentication path): whether the session family is alive, the user's role in the tenant
 * the token names (none when it names none), and the user's platform role.
 */
export async function sessionStanding(
  em: EntityManager,
  token: { userId: string; sessionId: string; tenantId: string | null },
): Promise<SessionStanding | undefined> {
  const membership = token.tenantId ? tenantScoped({ tenantId: token.tenantId }, { aliases: ['m'] }) : { sql: 'false', params: [] };
  const rows = await em.execute<SessionStanding[]>(
    `select exists (select 1 from refresh_session s where s.family_id = ? and s.user_id = ? and s.revoked_at is null) as alive,
            (select m.role from membership m where m.user_id = ? and ${membership.sql}) as role,
            (select u.platform_role from "user" u where u.id = ?) as platform_role`,
    [token.sessionId, token.userId, token.userId, ...membership.params, token.userId],
  );
  return rows[0];
}
