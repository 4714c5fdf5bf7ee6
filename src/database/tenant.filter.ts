import type { EntityManager, FilterDef } from '@mikro-orm/core';
import { RequestContextStore } from '../common/context/request-context.js';

export const TENANT_FILTER = 'tenant';

/**
 * Layer 2 of tenant isolation: every read of a tenant-owned entity (one with a `tenantId` property) is scoped to the
 * tenant of the current request context. With no tenant in context the filter matches nothing, so forgetting the
 * context fails closed. Only the authentication path turns it off, by name.
 */
export const tenantFilter: FilterDef = {
  name: TENANT_FILTER,
  default: true,
  args: false,
  cond: (_args: unknown, _type: unknown, em: EntityManager, _options: unknown, entityName?: string) => {
    const meta = entityName ? em.getMetadata().getByClassName(entityName, false) : undefined;
    if (!meta?.properties.tenantId) return {};
    return { tenantId: RequestContextStore.tenantId() ?? '00000000-0000-0000-0000-000000000000' };
  },
};
