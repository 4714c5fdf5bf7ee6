import { SetMetadata, applyDecorators } from '@nestjs/common';
import type { Actor } from '../context/request-context.js';
import type { Permission } from './permission.js';
import type { PlatformRole } from './platform-role.js';

export const ACCESS_POLICY = 'promox:access-policy';

/**
 * How an operation may be reached. Every resolver method and controller route must declare one; the global
 * AccessGuard refuses operations that declare none, so a new operation cannot be left open by forgetting.
 */
export interface AccessPolicy {
  /** No credential needed (sign-up, log-in, health). */
  public?: boolean;
  /** Which kinds of actor may call it; defaults to users and API keys. */
  actors?: Actor['kind'][];
  /** All of these must be granted in the active tenant. */
  permissions?: Permission[];
  /**
   * A tenant must be active (implied by permissions): the AccessGuard refuses the operation without one, and hands
   * its resolver the TenantContext (`@TenantCtx()`).
   */
  tenant?: boolean;
  /** With `tenant`: staff with this platform role may call it with no tenant (their role's own policies apply). */
  orPlatformRole?: PlatformRole;
  /** A platform role is required instead of tenant permissions (PromoX staff). */
  platformRole?: PlatformRole;
}

export const Public = () => SetMetadata(ACCESS_POLICY, { public: true } satisfies AccessPolicy);

/**
 * Any signed-in user, whether or not a tenant is active (e.g. `me`, `logOut`). `inActiveTenant`: the user's own
 * operation that still needs their active tenant (recording their usage in it); unlike RequirePermissions it changes
 * none of the tenant's data, so a read-only tenant's write gates do not apply.
 */
export const SignedInUser = (options: { inActiveTenant?: boolean } = {}) =>
  SetMetadata(ACCESS_POLICY, { actors: ['user'], ...(options.inActiveTenant ? { tenant: true } : {}) } satisfies AccessPolicy);

/** A signed-in member of the active tenant, or staff with `platformRole` in no tenant (e.g. a support attachment). */
export const TenantMemberOrStaff = (platformRole: PlatformRole) =>
  SetMetadata(ACCESS_POLICY, { actors: ['user'], tenant: true, orPlatformRole: platformRole } satisfies AccessPolicy);

/** Requires every listed permission in the active tenant; users and API keys alike unless `actors` narrows it. */
export const RequirePermissions = (permissions: Permission[], options: { actors?: Actor['kind'][] } = {}) =>
  applyDecorators(
    SetMetadata(ACCESS_POLICY, {
      permissions,
      tenant: true,
      actors: options.actors ?? ['user', 'apiKey'],
    } satisfies AccessPolicy),
  );

/** PromoX staff with this platform role; such requests run under the role's own database policies, in no tenant. */
export const RequirePlatformRole = (platformRole: PlatformRole) => SetMetadata(ACCESS_POLICY, { actors: ['user'], platformRole } satisfies AccessPolicy);
