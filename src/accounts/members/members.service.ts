import { Injectable, Optional } from '@nestjs/common';
import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { AppConfig } from '../../config/app-config.js';
import { Role } from '../../common/authorization/permission.js';
import { SeatAllowances } from '../../common/authorization/seat-allowance.js';
import type { RequestContext, TenantContext } from '../../common/context/request-context.js';
import { AppError, badInput, conflict, ErrorCode, forbidden, notFound } from '../../common/errors/app-errors.js';
import { generateSecret, hashSecret } from '../../common/security/secret-token.js';
import { actingFor } from '../../database/tenant-session.js';
import { invitationOfToken } from '../auth/credential-path.sql.js';
import type { AcceptInvitationInput } from '../auth/auth.inputs.js';
import { AuthService, newAccount } from '../auth/auth.service.js';
import type { AuthPayload } from '../auth/auth.types.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';
import { Invitation } from './invitation.entity.js';
import type { ChangeMemberRoleInput, InviteMemberInput } from './member.inputs.js';
import { InvitationCreated, InvitationType, MemberType } from './member.types.js';
import { MemberDirectory } from './member-directory.service.js';
import { Membership } from './membership.entity.js';

export const INVITATION_TOKEN_PREFIX = 'pxi_';

@Injectable()
export class MembersService {
  constructor(
    private readonly em: EntityManager,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
    private readonly directory: MemberDirectory,
    @Optional() private readonly seats?: SeatAllowances,
  ) {}

  async list(ctx: TenantContext): Promise<MemberType[]> {
    const memberships = await this.em.find(Membership, { tenant: ctx.tenantId }, { populate: ['user'], orderBy: { createdAt: 'asc', id: 'asc' } });
    return memberships.map((m) => MemberType.from(m));
  }

  async pendingInvitations(ctx: TenantContext): Promise<InvitationType[]> {
    const invitations = await this.em.find(
      Invitation,
      { tenant: ctx.tenantId, acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    return invitations.map((i) => InvitationType.from(i));
  }

  async invite(ctx: TenantContext, input: InviteMemberInput): Promise<InvitationCreated> {
    const tenantId = ctx.tenantId;
    if (input.role === Role.OWNER) await this.assertActorIsOwner(ctx);
    if (await this.em.count(Membership, { tenant: tenantId, user: { email: input.email } })) {
      throw conflict('This person is already a member.');
    }
    await this.assertSeatForInvitation(ctx, input.email);
    // A new invitation replaces any earlier pending one for the same address.
    await this.em.nativeUpdate(Invitation, { tenant: tenantId, email: input.email, acceptedAt: null, revokedAt: null }, { revokedAt: new Date() });
    const token = generateSecret(INVITATION_TOKEN_PREFIX);
    const invitation = this.em.create(Invitation, {
      tenant: this.em.getReference(Tenant, tenantId),
      email: input.email,
      role: input.role,
      tokenHash: hashSecret(token),
      invitedBy: ctx.actor.kind === 'user' ? this.em.getReference(User, ctx.actor.userId) : undefined,
      expiresAt: new Date(Date.now() + this.config.INVITATION_TTL_HOURS * 3_600_000),
    });
    await this.em.flush();
    return Object.assign(new InvitationCreated(), { invitation: InvitationType.from(invitation), token });
  }

  /**
   * Members and pending invitations each hold a seat; a new invitation needs one more, unless it replaces a pending
   * one for the same address. The tenant row is locked so that two invitations at once cannot both take the last seat.
   */
  private async assertSeatForInvitation(ctx: TenantContext, email: string): Promise<void> {
    if (!this.seats) return;
    await this.em.findOne(Tenant, ctx.tenantId, { lockMode: LockMode.PESSIMISTIC_WRITE, fields: ['id'] });
    const inUse = await this.directory.seatsInUse(ctx, { exceptInvitationsTo: email });
    await this.seats.assertSeatsAvailable(ctx, inUse + 1);
  }

  async revokeInvitation(ctx: TenantContext, id: string): Promise<InvitationType> {
    const invitation = await this.em.findOne(Invitation, { id, tenant: ctx.tenantId });
    if (!invitation) throw notFound('Invitation');
    if (!invitation.acceptedAt) invitation.revokedAt ??= new Date();
    await this.em.flush();
    return InvitationType.from(invitation);
  }

  /**
   * Joins the invited tenant. A signed-in user must be the invited address; an anonymous caller either creates the
   * account (newAccount) or, when the address already has one, is asked to log in first.
   */
  async accept(ctx: RequestContext, input: AcceptInvitationInput): Promise<AuthPayload> {
    // The token is the credential: the credential path finds which tenant's invitation it is, and the rest of the
    // acceptance acts in that tenant, under its policies.
    const found = await invitationOfToken(this.em, hashSecret(input.token));
    if (!found) throw invalidInvitation();
    return actingFor(this.em, { tenantId: found.tenantId }, () => this.join(ctx, input, found.id));
  }

  private async join(ctx: RequestContext, input: AcceptInvitationInput, invitationId: string): Promise<AuthPayload> {
    const invitation = await this.em.findOne(Invitation, { id: invitationId }, { populate: ['tenant'], lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt <= new Date()) throw invalidInvitation();
    let user: User;
    if (ctx.actor.kind === 'user') {
      user = await this.em.findOneOrFail(User, ctx.actor.userId);
      if (user.email !== invitation.email) throw forbidden('This invitation was sent to another email address.');
    } else {
      const existing = await this.em.findOne(User, { email: invitation.email });
      if (existing) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Log in as the invited user, then accept the invitation.');
      if (!input.newAccount) throw badInput('newAccount is required to accept without an account.');
      user = await this.auth.createUser(ctx, newAccount(input.newAccount, invitation.email));
    }
    if (await this.em.count(Membership, { tenant: invitation.tenant, user })) throw conflict('You are already a member.');
    this.em.create(Membership, { tenant: invitation.tenant, user, role: invitation.role });
    invitation.acceptedAt = new Date();
    await this.em.flush();
    // A new account's session is the new user's row.
    return actingFor(this.em, { userId: user.id }, () => this.auth.signInTo(ctx, user, invitation.tenant));
  }

  async changeRole(ctx: TenantContext, input: ChangeMemberRoleInput): Promise<MemberType> {
    const member = await this.findMember(ctx, input.memberId);
    if (member.role === input.role) return MemberType.from(member);
    if (member.role === Role.OWNER || input.role === Role.OWNER) await this.assertActorIsOwner(ctx);
    if (member.role === Role.OWNER) await this.assertAnotherOwner(ctx, member);
    member.role = input.role;
    await this.em.flush();
    return MemberType.from(member);
  }

  async remove(ctx: TenantContext, memberId: string): Promise<MemberType> {
    const member = await this.findMember(ctx, memberId);
    if (member.role === Role.OWNER) {
      await this.assertActorIsOwner(ctx);
      await this.assertAnotherOwner(ctx, member);
    }
    const removed = MemberType.from(member);
    this.em.remove(member);
    await this.em.flush();
    return removed;
  }

  private async findMember(ctx: TenantContext, memberId: string): Promise<Membership> {
    const member = await this.em.findOne(Membership, { id: memberId, tenant: ctx.tenantId }, { populate: ['user'] });
    if (!member) throw notFound('Member');
    return member;
  }

  private async assertActorIsOwner(ctx: TenantContext): Promise<void> {
    const userId = ctx.actor.kind === 'user' ? ctx.actor.userId : null;
    const own = userId ? await this.em.findOne(Membership, { tenant: ctx.tenantId, user: userId }) : null;
    if (own?.role !== Role.OWNER) throw forbidden('Only an owner can grant, change or remove the owner role.');
  }

  /** Locks the tenant's owner rows, so two owners demoting each other at once cannot leave the tenant with none. */
  private async assertAnotherOwner(ctx: TenantContext, leaving: Membership): Promise<void> {
    const owners = await this.em.find(Membership, { tenant: ctx.tenantId, role: Role.OWNER }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
    if (!owners.some((owner) => owner.id !== leaving.id)) {
      throw new AppError(ErrorCode.LAST_OWNER, 'A tenant needs at least one owner: make someone else owner first.');
    }
  }
}

function invalidInvitation(): AppError {
  return new AppError(ErrorCode.INVALID_TOKEN, 'This invitation is invalid, expired or already used.');
}
