import { Entity, Property, Unique } from '@mikro-orm/decorators/legacy';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';

/**
 * The last order number used by a tenant. Taking a number increments this one row inside the order's transaction:
 * concurrent creations queue on its row lock, and a rolled-back creation gives its number back, so numbers are
 * unique and gap-free.
 */
@Entity(tenantPolicies())
@Unique({ properties: ['tenantId'] })
export class OrderNumberCounter extends TenantOwnedEntity {
  @Property({ type: 'integer' })
  lastNumber: number;
}
