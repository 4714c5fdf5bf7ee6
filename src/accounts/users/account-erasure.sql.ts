import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { actingFor } from '../../database/tenant-session.js';
import { PasswordService } from '../auth/password.service.js';
import { tenantScoped } from '../../database/tenant-sql.js';

/** What must happen to a tenant before its last owner can delete their account. */
export enum OwnershipResolution {
  /** Others are members: make one of them an owner first. */
  TRANSFER_OWNERSHIP = 'TRANSFER_OWNERSHIP',
  /** Nobody else is a member: close the tenant first (a closed tenant is purged after its grace period). */
  CLOSE_TENANT = 'CLOSE_TENANT',
}

export interface OwnershipHandover {
  tenantId: string;
  tenantName: string;
  resolution: OwnershipResolution;
}

/**
 * What the privacy module needs from accounts to erase a user's own account: which tenants would be left without an
 * owner, which tenants the user's data sits in, and closing the way in. The rows themselves are erased by the
 * personal-data registry's rules (accounts.personal-data.ts); this covers what those rules can not say.
 */
@Injectable()
export class AccountErasure {
  constructor(
    private readonly em: EntityManager,
    private readonly passwords: PasswordService,
  ) {}

  /**
   * Tenants the user is the only owner of, unless already CLOSED (a closed tenant is on its way to being purged and
   * needs no owner). Leaving any of them would leave a tenant nobody can administer. The user's own memberships name
   * the tenants they own; who else is in each is read as that tenant, whose members only its own requests see.
   */
  async handoversNeeded(userId: string): Promise<OwnershipHandover[]> {
    const owned = await this.em.execute<{ id: string; name: string }[]>(
      `select t.id, t.name from membership m join tenant t on t.id = m.tenant_id
        where m.user_id = ? and m.role = 'OWNER' and t.status <> 'CLOSED'
        order by t.name, t.id`,
      [userId],
    );
    const handovers: OwnershipHandover[] = [];
    for (const tenant of owned) {
      const inTenant = tenantScoped({ tenantId: tenant.id });
      const rows = await actingFor(this.em, { tenantId: tenant.id }, () =>
        this.em.execute<{ members: string; owners: string }[]>(
          `select count(*) as members, count(*) filter (where role = 'OWNER') as owners from membership where ${inTenant.sql} and user_id <> ?`,
          [...inTenant.params, userId],
        ),
      );
      const others = rows.at(0);
      if (Number(others?.owners ?? 0) > 0) continue;
      handovers.push({
        tenantId: tenant.id,
        tenantName: tenant.name,
        resolution: Number(others?.members ?? 0) > 0 ? OwnershipResolution.TRANSFER_OWNERSHIP : OwnershipResolution.CLOSE_TENANT,
      });
    }
    return handovers;
  }

  /** Every tenant the user is a member of, closed ones included: their rows there are erased too. */
  async tenantsOf(userId: string): Promise<string[]> {
    const rows = await this.em.execute<{ tenant_id: string }[]>(`select tenant_id from membership where user_id = ? order by tenant_id`, [userId]);
    return rows.map((row) => row.tenant_id);
  }

  /**
   * Replaces the password hash with the hash of a random secret nobody knows: a real argon2 hash, so signing in to
   * the pseudonymised address costs the same as any wrong password, and no value of the column can match.
   */
  async lockOut(userId: string): Promise<void> {
    const hash = await this.passwords.hash(randomBytes(32).toString('base64url'));
    await this.em.execute(`update "user" set password_hash = ?, updated_at = now() where id = ?`, [hash, userId]);
  }
}
