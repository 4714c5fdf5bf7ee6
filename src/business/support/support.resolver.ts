import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions, RequirePlatformRole } from '../../common/authorization/access.decorators.js';
import { PlatformRole } from '../../common/authorization/platform-role.js';
import { Ctx, TenantCtx } from '../../common/context/current-context.decorator.js';
import type { RequestContext, TenantContext } from '../../common/context/request-context.js';
import {
  AnswerSupportRequestInput,
  CreateSupportRequestInput,
  ReplyToSupportRequestInput,
  SupportRequestIdArgs,
  SupportRequestIdInput,
  SupportRequestsArgs,
} from './support.inputs.js';
import { SupportRequestService } from './support-request.service.js';
import { SupportStaffService } from './support-staff.service.js';
import { StaffSupportRequestConnection, StaffSupportRequestType, SupportRequestConnection, SupportRequestType } from './support.types.js';
import type { Page } from '../../common/pagination/connection.types.js';

/** Any signed-in member of the active tenant, whatever their role (no permission needed); not API keys. */
const member = () => RequirePermissions([], { actors: ['user'] });

@Resolver(() => SupportRequestType)
export class SupportRequestResolver {
  constructor(private readonly service: SupportRequestService) {}

  @member()
  @Query(() => SupportRequestType, { description: "One of the active tenant's support requests. Any member; not API keys." })
  supportRequest(@TenantCtx() ctx: TenantContext, @Args() args: SupportRequestIdArgs): Promise<SupportRequestType> {
    return this.service.get(ctx, args.id);
  }

  @member()
  @Query(() => SupportRequestConnection, { description: "The active tenant's support requests, newest first. Any member; not API keys." })
  supportRequests(@TenantCtx() ctx: TenantContext, @Args() args: SupportRequestsArgs): Promise<Page<SupportRequestType>> {
    return this.service.list(ctx, args);
  }

  @member()
  @Mutation(() => SupportRequestType, {
    description: 'Writes to PromoX support. Attach files with POST /support/requests/{id}/attachments. Any member; not API keys.',
  })
  createSupportRequest(@TenantCtx() ctx: TenantContext, @Args('input') input: CreateSupportRequestInput): Promise<SupportRequestType> {
    return this.service.create(ctx, input);
  }

  @member()
  @Mutation(() => SupportRequestType, { description: "A member's reply; the request is OPEN again. Not on a CLOSED request." })
  replyToSupportRequest(@TenantCtx() ctx: TenantContext, @Args('input') input: ReplyToSupportRequestInput): Promise<SupportRequestType> {
    return this.service.reply(ctx, input);
  }

  @member()
  @Mutation(() => SupportRequestType, { description: 'Closes the request for good. Any member; not API keys.' })
  closeSupportRequest(@TenantCtx() ctx: TenantContext, @Args('input') input: SupportRequestIdInput): Promise<SupportRequestType> {
    return this.service.close(ctx, input.id);
  }
}

/** PromoX support staff: support requests of every tenant, each read logged. */
@Resolver(() => StaffSupportRequestType)
export class SupportStaffResolver {
  constructor(private readonly service: SupportStaffService) {}

  @RequirePlatformRole(PlatformRole.SUPPORT)
  @Query(() => StaffSupportRequestConnection, {
    description: 'Support requests of every tenant, longest waiting first. PromoX SUPPORT staff only; each read is logged.',
  })
  supportQueue(@Ctx() ctx: RequestContext, @Args() args: SupportRequestsArgs): Promise<Page<StaffSupportRequestType>> {
    return this.service.queue(ctx, args);
  }

  @RequirePlatformRole(PlatformRole.SUPPORT)
  @Query(() => StaffSupportRequestType, { description: 'PromoX SUPPORT staff only; the read is logged.' })
  supportRequestForStaff(@Ctx() ctx: RequestContext, @Args() args: SupportRequestIdArgs): Promise<StaffSupportRequestType> {
    return this.service.get(ctx, args.id);
  }

  @RequirePlatformRole(PlatformRole.SUPPORT)
  @Mutation(() => StaffSupportRequestType, {
    description: 'A reply from PromoX support; the request is ANSWERED. Not on a CLOSED request. SUPPORT staff only.',
  })
  answerSupportRequest(@Ctx() ctx: RequestContext, @Args('input') input: AnswerSupportRequestInput): Promise<StaffSupportRequestType> {
    return this.service.answer(ctx, input);
  }
}
