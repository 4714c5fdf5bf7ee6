import { Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';

/**
 * A bookmark in a tenant's change feed: every order of the tenant whose change position (`order.change_xid`) is below
 * `changeXid` was last updated at or before `updatedUpTo`. So a feed "changed after T" with T ≥ `updatedUpTo` may start
 * its scan at `changeXid`, whatever the tenant's size, instead of reading every index entry changed since T.
 *
 * Written by the `order_feed_mark` trigger on order (see Order), at most once a minute per tenant, from one snapshot:
 * `changeXid` is that snapshot's xmin, so every transaction below it had finished and its rows are all counted in
 * `updatedUpTo` (their maximum `updated_at`); every later write gets a position at or above it. The rule holds from
 * then on and relies on no clock: an `updated_at` in the future only makes the mark usable later. Since every mark
 * stays true, thinning old ones (OrderFeedMarkRetention) only makes first pages start a little further back.
 */
@Entity(tenantPolicies({ maintenance: true }))
@Index({ properties: ['tenantId', 'updatedUpTo'] })
@Index({ properties: ['tenantId', 'createdAt'] })
export class OrderFeedMark extends TenantOwnedEntity {
  @Property({ columnType: 'xid8', type: 'string' })
  changeXid: string;

  @Property({ type: 'timestamptz' })
  updatedUpTo: Date;
}
