import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Public, RequirePermissions } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { Ctx, TenantCtx } from '../../common/context/current-context.decorator.js';
import type { RequestContext, TenantContext } from '../../common/context/request-context.js';
import { AcceptInvitationInput } from '../auth/auth.inputs.js';
import { AuthPayload } from '../auth/auth.types.js';
import { ChangeMemberRoleInput, InvitationIdInput, InviteMemberInput, MemberIdInput } from './member.inputs.js';
import { InvitationCreated, InvitationType, MemberType } from './member.types.js';
import { MembersService } from './members.service.js';

const MANAGE = [Permission.MEMBERS_MANAGE];

@Resolver(() => MemberType)
export class MembersResolver {
  constructor(private readonly service: MembersService) {}

  @RequirePermissions([Permission.MEMBERS_READ])
  @Query(() => [MemberType], { description: 'Members of the active tenant. Requires MEMBERS_READ.' })
  members(@TenantCtx() ctx: TenantContext): Promise<MemberType[]> {
    return this.service.list(ctx);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Query(() => [InvitationType], { description: 'Pending invitations. Requires MEMBERS_MANAGE.' })
  invitations(@TenantCtx() ctx: TenantContext): Promise<InvitationType[]> {
    return this.service.pendingInvitations(ctx);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => InvitationCreated, { description: 'Requires MEMBERS_MANAGE; only owners may invite owners.' })
  inviteMember(@TenantCtx() ctx: TenantContext, @Args('input') input: InviteMemberInput): Promise<InvitationCreated> {
    return this.service.invite(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => InvitationType, { description: 'Requires MEMBERS_MANAGE.' })
  revokeInvitation(@TenantCtx() ctx: TenantContext, @Args('input') input: InvitationIdInput): Promise<InvitationType> {
    return this.service.revokeInvitation(ctx, input.id);
  }

  @Public()
  @Mutation(() => AuthPayload, { description: 'Join the inviting tenant; returns tokens acting in it.' })
  acceptInvitation(@Ctx() ctx: RequestContext, @Args('input') input: AcceptInvitationInput): Promise<AuthPayload> {
    return this.service.accept(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => MemberType, { description: 'Requires MEMBERS_MANAGE; the owner role only by owners; never the last owner.' })
  changeMemberRole(@TenantCtx() ctx: TenantContext, @Args('input') input: ChangeMemberRoleInput): Promise<MemberType> {
    return this.service.changeRole(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => MemberType, { description: 'Requires MEMBERS_MANAGE; never the last owner. Returns the removed member.' })
  removeMember(@TenantCtx() ctx: TenantContext, @Args('input') input: MemberIdInput): Promise<MemberType> {
    return this.service.remove(ctx, input.memberId);
  }
}
