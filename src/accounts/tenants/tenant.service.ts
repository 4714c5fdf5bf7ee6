import { Inject, Injectable } from '@nestjs/common';
import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Permission } from '../../common/authorization/permission.js';
import { TenantClosurePreconditions } from '../../common/authorization/tenant-closure-precondition.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { AppError, badInput, ErrorCode, notFound } from '../../common/errors/app-errors.js';
import { Clock } from '../../common/time/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { revokeSessionsActingIn } from '../auth/credential-path.sql.js';
import { Tenant, TenantStatus } from './tenant.entity.js';
import type { CloseTenantInput, UpdatePrivacySettingsInput, UpdateTenantInput } from './tenant.inputs.js';
import { PrivacyDeadlineRule } from './privacy-deadline-rule.js';
import { TenantType } from './tenant.types.js';
import { tenantStatus } from './tenant.sql.js';

@Injectable()
export class TenantService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly closurePreconditions: TenantClosurePreconditions,
  ) {}

  async update(ctx: TenantContext, input: UpdateTenantInput): Promise<TenantType> {
    // Writing a field needs the field's write permission, as reading it needs its read permission.
    if (input.billingEmail !== undefined && !ctx.permissions.has(Permission.BILLING_MANAGE)) {
      throw new AppError(ErrorCode.FORBIDDEN_FIELD, 'Changing billingEmail requires BILLING_MANAGE.', {
        field: 'billingEmail',
        requiredPermission: Permission.BILLING_MANAGE,
      });
    }
    const tenant = await this.em.findOne(Tenant, ctx.tenantId);
    if (!tenant) throw notFound('Tenant');
    if (input.name !== undefined) tenant.name = input.name;
    if (input.phone !== undefined) tenant.phone = input.phone;
    if (input.billingEmail !== undefined) tenant.billingEmail = input.billingEmail;
    if (input.address) Object.assign(tenant.address, input.address);
    await this.em.flush();
    return TenantType.from(tenant);
  }

  async updatePrivacySettings(ctx: TenantContext, input: UpdatePrivacySettingsInput): Promise<TenantType> {
    const tenant = await this.em.findOne(Tenant, ctx.tenantId);
    if (!tenant) throw notFound('Tenant');
    if (input.deadlineRule !== undefined) tenant.privacyDeadlineRule = input.deadlineRule;
    if (input.taxRetentionYears !== undefined) tenant.taxRetentionYears = input.taxRetentionYears;
    await this.em.flush();
    return TenantType.from(tenant);
  }

  /** The active tenant's deadline rule for data-subject requests; for the privacy module. */
  async privacyDeadlineRule(ctx: TenantContext): Promise<PrivacyDeadlineRule> {
    const tenant = await this.em.findOne(Tenant, ctx.tenantId, { fields: ['privacyDeadlineRule'] });
    if (!tenant) throw notFound('Tenant');
    return tenant.privacyDeadlineRule;
  }

  /**
   * Closes the active tenant: read-only from this commit on (the TenantClosureGate), every session acting in it is
   * signed out, and the purge is scheduled after the grace period. All in the request's one transaction; who closed it
   * is the audit trail's entry for this mutation.
   */
  async close(ctx: TenantContext, input: CloseTenantInput): Promise<TenantType> {
    const tenant = await this.requireLocked(ctx);
    if (tenant.status !== TenantStatus.ACTIVE) {
      throw new AppError(ErrorCode.INVALID_TRANSITION, `The tenant is already ${tenant.status}.`, { from: tenant.status });
    }
    // Typing the company's name guards against closing the wrong tenant from a stale tab.
    if (input.confirmName.trim() !== tenant.name) {
      throw badInput("Type the company's name exactly to confirm the closure.", { field: 'confirmName' });
    }
    await this.closurePreconditions.assertClosable(ctx);
    const now = this.clock.now();
    Object.assign(tenant, {
      status: TenantStatus.CLOSED,
      closedAt: now,
      purgeAfter: new Date(now.getTime() + this.config.TENANT_CLOSURE_GRACE_DAYS * 24 * 60 * 60 * 1000),
    });
    await this.em.flush();
    // Other members' sessions: through the credential path, which alone reaches sessions that are not the caller's.
    await revokeSessionsActingIn(this.em, tenant.id, now);
    return TenantType.from(tenant);
  }

  /** Reopens a closed tenant within its grace period; members sign in again as before. */
  async reopen(ctx: TenantContext): Promise<TenantType> {
    const tenant = await this.requireLocked(ctx);
    if (tenant.status !== TenantStatus.CLOSED) {
      throw new AppError(ErrorCode.INVALID_TRANSITION, `Only a CLOSED tenant can be reopened; this one is ${tenant.status}.`, { from: tenant.status });
    }
    if (tenant.purgeAfter && tenant.purgeAfter.getTime() <= this.clock.now().getTime()) {
      throw new AppError(ErrorCode.INVALID_TRANSITION, 'The grace period is over: the tenant is being purged and can no longer be reopened.', {
        purgeAfter: tenant.purgeAfter.toISOString(),
      });
    }
    Object.assign(tenant, { status: TenantStatus.ACTIVE, closedAt: null, purgeAfter: null });
    await this.em.flush();
    return TenantType.from(tenant);
  }

  /** Throws TENANT_CLOSED unless the tenant is active; the one read behind every tenant mutation. */
  async assertActive(tenantId: string): Promise<void> {
    const row = await tenantStatus(this.em, tenantId);
    if (!row || row.status === TenantStatus.ACTIVE) return;
    throw new AppError(
      ErrorCode.TENANT_CLOSED,
      row.status === TenantStatus.CLOSED
        ? 'The tenant is closed: its data is read-only. An owner can reopen it until the grace period ends.'
        : 'The tenant was closed and its data purged.',
      { status: row.status, purgeAfter: row.purge_after ? new Date(row.purge_after).toISOString() : null },
    );
  }

  private async requireLocked(ctx: TenantContext): Promise<Tenant> {
    const tenant = await this.em.findOne(Tenant, ctx.tenantId, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!tenant) throw notFound('Tenant');
    return tenant;
  }

  /**
   * Tenants' names by id, in one query, for platform staff (support): only `id` and `name` are selected, the only
   * tenant columns the staff role may read.
   */
  async names(tenantIds: readonly string[]): Promise<Map<string, string>> {
    const ids = [...new Set(tenantIds)];
    if (ids.length === 0) return new Map();
    const tenants = await this.em.find(Tenant, { id: { $in: ids } }, { fields: ['id', 'name'] });
    return new Map(tenants.map((tenant) => [tenant.id, tenant.name]));
  }

  /** The active tenant's name and invoicing address, for its billing account (the billing module's Stripe customer). */
  async billingProfile(ctx: TenantContext): Promise<{ name: string; billingEmail: string | null }> {
    const tenant = await this.em.findOne(Tenant, ctx.tenantId, { fields: ['name', 'billingEmail'] });
    if (!tenant) throw notFound('Tenant');
    return { name: tenant.name, billingEmail: tenant.billingEmail ?? null };
  }
}
