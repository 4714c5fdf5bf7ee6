import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { RequirePermissions } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { Ctx } from '../../common/context/current-context.decorator.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { UpdatePrivacySettingsInput, UpdateTenantInput } from './tenant.inputs.js';
import { TenantService } from './tenant.service.js';
import { TenantType } from './tenant.types.js';

@Resolver(() => TenantType)
export class TenantResolver {
  constructor(private readonly tenants: TenantService) {}

  @RequirePermissions([Permission.TENANT_MANAGE], { actors: ['user'] })
  @Mutation(() => TenantType, { description: 'Update the active tenant\'s company profile. Requires TENANT_MANAGE.' })
  updateTenant(@Ctx() ctx: RequestContext, @Args('input') input: UpdateTenantInput): Promise<TenantType> {
    return this.tenants.update(ctx, input);
  }

  @RequirePermissions([Permission.TENANT_MANAGE], { actors: ['user'] })
  @Mutation(() => TenantType, {
    description: 'Choose the deadline rule for the tenant\'s data-subject requests (GDPR or CCPA). Requires TENANT_MANAGE (owners and admins).',
  })
  updatePrivacySettings(@Ctx() ctx: RequestContext, @Args('input') input: UpdatePrivacySettingsInput): Promise<TenantType> {
    return this.tenants.updatePrivacySettings(ctx, input);
  }
}
