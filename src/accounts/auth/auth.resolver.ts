import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Public, SignedInUser } from '../../common/authorization/access.decorators.js';
import { AllowedBeforePolicyAcceptance } from '../../common/authorization/policy-acceptance.js';
import { AllowedWhileTenantReadOnly } from '../../common/authorization/tenant-write-gate.js';
import { Ctx } from '../../common/context/current-context.decorator.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { LogInInput, RefreshSessionInput, SignUpInput, SwitchTenantInput } from './auth.inputs.js';
import { AuthService } from './auth.service.js';
import { AuthPayload, MeType } from './auth.types.js';

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Mutation(() => AuthPayload, { description: 'Create a distributor company and its owner, and sign the owner in.' })
  signUp(@Ctx() ctx: RequestContext, @Args('input') input: SignUpInput): Promise<AuthPayload> {
    return this.auth.signUp(ctx, input);
  }

  @Public()
  @Mutation(() => AuthPayload, { description: 'Failed attempts are limited per account and per IP.' })
  logIn(@Ctx() ctx: RequestContext, @Args('input') input: LogInInput): Promise<AuthPayload> {
    return this.auth.logIn(ctx, input);
  }

  @Public()
  @AllowedBeforePolicyAcceptance()
  @Mutation(() => AuthPayload, { description: 'Exchange a refresh token for new tokens (the old one stops working).' })
  refreshSession(@Ctx() ctx: RequestContext, @Args('input') input: RefreshSessionInput): Promise<AuthPayload> {
    return this.auth.refreshSession(ctx, input.refreshToken);
  }

  @SignedInUser()
  @AllowedWhileTenantReadOnly()
  @AllowedBeforePolicyAcceptance()
  @Mutation(() => Boolean, { description: 'End this session: its refresh tokens and access tokens stop working.' })
  logOut(@Ctx() ctx: RequestContext): Promise<boolean> {
    return this.auth.logOut(ctx);
  }

  @SignedInUser()
  @AllowedWhileTenantReadOnly()
  @Mutation(() => AuthPayload, { description: 'Act in another tenant you belong to; returns tokens for it.' })
  switchTenant(@Ctx() ctx: RequestContext, @Args('input') input: SwitchTenantInput): Promise<AuthPayload> {
    return this.auth.switchTenant(ctx, input.tenantId);
  }

  @SignedInUser()
  @Query(() => MeType, { description: 'The signed-in user, their tenants, and their permissions in the active one.' })
  me(@Ctx() ctx: RequestContext): Promise<MeType> {
    return this.auth.me(ctx);
  }
}
