import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { RequirePermissions } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { AllowedWhileTenantReadOnly } from '../../common/authorization/tenant-write-gate.js';
import { TenantCtx } from '../../common/context/current-context.decorator.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { CloseTenantInput, UpdatePrivacySettingsInput, UpdateTenantInput } from './tenant.inputs.js';
import { TenantService } from './tenant.service.js';
import { TenantType } from './tenant.types.js';

@Resolver(() => TenantType)
export class TenantResolver {
  constructor(private readonly tenants: TenantService) {}

  @RequirePermissions([Permission.TENANT_MANAGE], { actors: ['user'] })
  @Mutation(() => TenantType, { description: "Update the active tenant's company profile. Requires TENANT_MANAGE." })
  updateTenant(@TenantCtx() ctx: TenantContext, @Args('input') input: UpdateTenantInput): Promise<TenantType> {
    return this.tenants.update(ctx, input);
  }

  @RequirePermissions([Permission.TENANT_MANAGE], { actors: ['user'] })
  @Mutation(() => TenantType, {
    description:
      "Choose the deadline rule for the tenant's data-subject requests (GDPR or CCPA) and how many years orders are kept after closure. Requires TENANT_MANAGE (owners and admins).",
  })
  updatePrivacySettings(@TenantCtx() ctx: TenantContext, @Args('input') input: UpdatePrivacySettingsInput): Promise<TenantType> {
    return this.tenants.updatePrivacySettings(ctx, input);
  }

  @RequirePermissions([Permission.TENANT_CLOSE], { actors: ['user'] })
  @Mutation(() => TenantType, {
    description:
      'Close the active tenant (owners only): its data becomes read-only at once and every member is signed out. After the grace period (TENANT_CLOSURE_GRACE_DAYS, see `purgeAfter`) its data is purged, except orders kept for tax law, which are pseudonymised and deleted after `taxRetentionYears`.',
  })
  closeTenant(@TenantCtx() ctx: TenantContext, @Args('input') input: CloseTenantInput): Promise<TenantType> {
    return this.tenants.close(ctx, input);
  }

  @RequirePermissions([Permission.TENANT_CLOSE], { actors: ['user'] })
  @AllowedWhileTenantReadOnly()
  @Mutation(() => TenantType, { description: 'Reopen a closed tenant before its grace period ends (owners only).' })
  reopenTenant(@TenantCtx() ctx: TenantContext): Promise<TenantType> {
    return this.tenants.reopen(ctx);
  }
}
