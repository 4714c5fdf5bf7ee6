import { Injectable } from '@nestjs/common';
import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import { asMaintenanceRole } from '../database/tenant-session.js';
import { tenantScoped } from '../database/tenant-sql.js';

/**
 * A person's entries: what they did, and the attempts to sign in to their account by no one signed in (mostly their
 * own mistyped passwords, from their own devices).
 */
const ACTOR_OR_THEIR_SIGN_IN_ATTEMPTS = `(actor_user_id = ? or (actor_user_id is null and target_type = 'User' and target_id = ?))`;

/**
 * The trail's one redaction path, for an erased user or a purged tenant: blanks the personal fields (IP, user agent,
 * browser, OS, device) of the entries concerned, in every chain (each tenant's and the platform's). The hash covers
 * those fields only through a salted digest, so the chains still verify; the salt goes too, so the blanked values can
 * not be guessed back from the digest. The append-only trigger allows exactly this change and no other.
 */
@Injectable()
export class AuditRedaction {
  /**
   * Runs in the caller's transaction (a privacy job step, so the redaction commits with the step's done-mark). The app
   * role may not update entries and sees one tenant's chain only, so the statement runs as crm_maintenance, whose
   * grants name just these columns, and the caller's role is restored afterwards. Idempotent: a retry finds nothing.
   */
  async redactActor(em: EntityManager, userId: string, now: Date): Promise<number> {
    return this.redact(em, ACTOR_OR_THEIR_SIGN_IN_ATTEMPTS, [userId, userId], now);
  }

  /**
   * Every tenant in whose trail the user acted: each change anyone makes is entered there, so this names every tenant
   * that may still hold rows the user made, including tenants they have since left (their memberships say only where
   * they are now). Runs as crm_maintenance, which reads every chain, in the caller's transaction.
   */
  async tenantsActedIn(em: EntityManager, userId: string): Promise<string[]> {
    return asMaintenanceRole(em, async () => {
      const rows = await em.execute<{ tenant_id: string }[]>(
        `select distinct tenant_id from audit_entry where actor_user_id = ? and tenant_id is not null order by tenant_id`,
        [userId],
      );
      return rows.map((row) => row.tenant_id);
    });
  }

  /** Every entry of a purged tenant's chain, whoever made it; the same path, the same guarantees. */
  async redactTenant(em: EntityManager, tenantId: string, now: Date): Promise<number> {
    const tenant = tenantScoped({ tenantId });
    return this.redact(em, tenant.sql, tenant.params, now);
  }

  private redact(em: EntityManager, where: string, ids: readonly unknown[], now: Date): Promise<number> {
    return asMaintenanceRole(em, async () => {
      const result = await em.execute<QueryResult>(
        `update audit_entry
            set ip = null, user_agent = null, browser = null, os = null, device_type = null, personal_salt = null,
                redacted_at = coalesce(redacted_at, ?)
          where ${where}
            and (redacted_at is null or personal_salt is not null or ip is not null or user_agent is not null
                 or browser is not null or os is not null or device_type is not null)`,
        [now, ...ids],
        'run',
      );
      return result.affectedRows;
    });
  }
}
