import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions, SignedInUser } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { TenantCtx } from '../../common/context/current-context.decorator.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { RecordUsageInput, UsageSummaryArgs } from './usage.inputs.js';
import { UsageService } from './usage.service.js';
import { UsageRecordedType, UsageSummaryType } from './usage.types.js';

@Resolver()
export class UsageResolver {
  constructor(private readonly usage: UsageService) {}

  @SignedInUser({ inActiveTenant: true })
  @Mutation(() => UsageRecordedType, {
    description:
      'Records usage events of the signed-in user (pages, features, session start and end), only if the user consents to ANALYTICS; otherwise stores nothing and answers recorded: false.',
  })
  recordUsage(@TenantCtx() ctx: TenantContext, @Args('input') input: RecordUsageInput): Promise<UsageRecordedType> {
    return this.usage.record(ctx, input);
  }

  @RequirePermissions([Permission.AUDIT_READ])
  @Query(() => UsageSummaryType, {
    description: 'Active users, sessions, median session length, top features and operations in a period. Requires AUDIT_READ.',
  })
  usageSummary(@TenantCtx() ctx: TenantContext, @Args() args: UsageSummaryArgs): Promise<UsageSummaryType> {
    return this.usage.summary(ctx, args);
  }
}
