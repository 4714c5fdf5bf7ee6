import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Permission } from '../../common/authorization/permission.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { AppError, ErrorCode, notFound } from '../../common/errors/app-errors.js';
import { Tenant } from './tenant.entity.js';
import type { UpdatePrivacySettingsInput, UpdateTenantInput } from './tenant.inputs.js';
import { PrivacyDeadlineRule } from './privacy-deadline-rule.js';
import { TenantType } from './tenant.types.js';

@Injectable()
export class TenantService {
  constructor(private readonly em: EntityManager) {}

  async update(ctx: RequestContext, input: UpdateTenantInput): Promise<TenantType> {
    // Writing a field needs the field's write permission, as reading it needs its read permission.
    if (input.billingEmail !== undefined && !ctx.permissions.has(Permission.BILLING_MANAGE)) {
      throw new AppError(ErrorCode.FORBIDDEN_FIELD, 'Changing billingEmail requires BILLING_MANAGE.', {
        field: 'billingEmail',
        requiredPermission: Permission.BILLING_MANAGE,
      });
    }
    const tenant = ctx.tenantId ? await this.em.findOne(Tenant, ctx.tenantId) : null;
    if (!tenant) throw notFound('Tenant');
    if (input.name !== undefined) tenant.name = input.name;
    if (input.phone !== undefined) tenant.phone = input.phone;
    if (input.billingEmail !== undefined) tenant.billingEmail = input.billingEmail;
    if (input.address) Object.assign(tenant.address, input.address);
    await this.em.flush();
    return TenantType.from(tenant);
  }

  async updatePrivacySettings(ctx: RequestContext, input: UpdatePrivacySettingsInput): Promise<TenantType> {
    const tenant = ctx.tenantId ? await this.em.findOne(Tenant, ctx.tenantId) : null;
    if (!tenant) throw notFound('Tenant');
    tenant.privacyDeadlineRule = input.deadlineRule;
    await this.em.flush();
    return TenantType.from(tenant);
  }

  /** The active tenant's deadline rule for data-subject requests; for the privacy module. */
  async privacyDeadlineRule(ctx: RequestContext): Promise<PrivacyDeadlineRule> {
    const tenant = ctx.tenantId ? await this.em.findOne(Tenant, ctx.tenantId, { fields: ['privacyDeadlineRule'] }) : null;
    if (!tenant) throw notFound('Tenant');
    return tenant.privacyDeadlineRule;
  }

  /** The active tenant's name and invoicing address, for its billing account (the billing module's Stripe customer). */
  async billingProfile(ctx: RequestContext): Promise<{ name: string; billingEmail: string | null }> {
    const tenant = ctx.tenantId ? await this.em.findOne(Tenant, ctx.tenantId, { fields: ['name', 'billingEmail'] }) : null;
    if (!tenant) throw notFound('Tenant');
    return { name: tenant.name, billingEmail: tenant.billingEmail ?? null };
  }
}
