import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { TenantContext } from '../../common/context/request-context.js';
import { Invitation } from './invitation.entity.js';
import { Membership } from './membership.entity.js';

export interface MemberSummary {
  userId: string;
  fullName: string;
}

/**
 * What other modules may know about a tenant's members: whether a user is one, and their display name. Always
 * scoped to the context's tenant.
 */
@Injectable()
export class MemberDirectory {
  constructor(private readonly em: EntityManager) {}

  async isMember(ctx: TenantContext, userId: string): Promise<boolean> {
    return (await this.em.count(Membership, { tenant: ctx.tenantId, user: userId })) > 0;
  }

  /** Display names of those of `userIds` who are members of the context's tenant, in one query. */
  async summaries(ctx: TenantContext, userIds: readonly string[]): Promise<Map<string, MemberSummary>> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return new Map();
    const memberships = await this.em.find(
      Membership,
      { tenant: ctx.tenantId, user: { $in: ids } },
      { populate: ['user'], fields: ['user.id', 'user.fullName'] },
    );
    return new Map(memberships.map((m) => [m.user.id, { userId: m.user.id, fullName: m.user.fullName }]));
  }

  /** Seats the context's tenant fills: its members plus its pending (unexpired, unanswered) invitations. */
  async seatsInUse(ctx: TenantContext, options: { exceptInvitationsTo?: string } = {}): Promise<number> {
    const members = await this.em.count(Membership, { tenant: ctx.tenantId });
    const pending = { tenant: ctx.tenantId, acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } };
    const invitations = await this.em.count(Invitation, options.exceptInvitationsTo ? { ...pending, email: { $ne: options.exceptInvitationsTo } } : pending);
    return members + invitations;
  }
}
