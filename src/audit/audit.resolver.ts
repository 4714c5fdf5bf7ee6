import { Args, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions } from '../common/authorization/access.decorators.js';
import { Permission } from '../common/authorization/permission.js';
import { TenantCtx } from '../common/context/current-context.decorator.js';
import type { TenantContext } from '../common/context/request-context.js';
import type { Page } from '../common/pagination/connection.types.js';
import { AuditEntriesArgs } from './audit-entry.inputs.js';
import { AuditChainVerificationType, AuditEntryConnection, AuditEntryType } from './audit-entry.types.js';
import { AuditTrailService } from './audit-trail.service.js';

@Resolver(() => AuditEntryType)
export class AuditResolver {
  constructor(private readonly trail: AuditTrailService) {}

  @RequirePermissions([Permission.AUDIT_READ])
  @Query(() => AuditEntryConnection, { description: "The active tenant's audit trail, newest first. Requires AUDIT_READ." })
  auditEntries(@TenantCtx() ctx: TenantContext, @Args() args: AuditEntriesArgs): Promise<Page<AuditEntryType>> {
    return this.trail.list(ctx, args);
  }

  @RequirePermissions([Permission.AUDIT_READ])
  @Query(() => AuditChainVerificationType, {
    description: "Re-computes the active tenant's audit hash chain and reports the first broken link. Requires AUDIT_READ.",
  })
  verifyAuditChain(@TenantCtx() ctx: TenantContext): Promise<AuditChainVerificationType> {
    return this.trail.verify(ctx);
  }
}
