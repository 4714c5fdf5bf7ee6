import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AccountErasure } from '../../accounts/index.js';
import { AuditRedaction } from '../../audit/index.js';

/**
 * The tenants that may hold rows about a user: those they belong to, and those whose audit trail shows them acting,
 * which covers tenants they have since left (a support thread they opened, a communication they wrote). Exports and
 * erasure walk all of them, so that leaving a tenant first does not hide a person's data from their rights.
 */
@Injectable()
export class SubjectTenants {
  constructor(
    private readonly accounts: AccountErasure,
    private readonly trail: AuditRedaction,
  ) {}

  async ofUser(em: EntityManager, userId: string): Promise<string[]> {
    const member = await this.accounts.tenantsOf(userId);
    const actedIn = await this.trail.tenantsActedIn(em, userId);
    return [...new Set([...member, ...actedIn])].sort();
  }
}
