import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { TenantCtx } from '../../common/context/current-context.decorator.js';
import type { TenantContext } from '../../common/context/request-context.js';
import {
  AddOrderLineArgs,
  CreateOrderInput,
  OrderIdArgs,
  OrderLineIdArgs,
  OrdersArgs,
  TransitionOrderArgs,
  UpdateOrderArgs,
  UpdateOrderLineArgs,
} from './order.inputs.js';
import { OrderReader } from './order.reader.js';
import { SelectedRelations, type OrderRelations } from './order-selection.js';
import { OrderService } from './order.service.js';
import { OrderConnection, OrderType } from './order.types.js';
import type { Page } from '../../common/pagination/connection.types.js';

const READ = [Permission.ORDERS_READ];
const WRITE = [Permission.ORDERS_WRITE];
const CONNECTION_NODE = ['edges', 'node'];

@Resolver(() => OrderType)
export class OrderResolver {
  constructor(
    private readonly reader: OrderReader,
    private readonly service: OrderService,
  ) {}

  @RequirePermissions(READ)
  @Query(() => OrderType, { description: 'An order of the active tenant. Requires ORDERS_READ.' })
  order(@TenantCtx() ctx: TenantContext, @Args() args: OrderIdArgs, @SelectedRelations() relations: OrderRelations): Promise<OrderType> {
    return this.reader.get(ctx, args.id, relations);
  }

  @RequirePermissions(READ)
  @Query(() => OrderConnection, {
    description:
      "The active tenant's orders, newest first by default. Requires ORDERS_READ. Partners syncing changes use " +
      '`filter: { updatedAfter }` with `sort: { field: CHANGED, direction: ASC }` and page with `after` (see OrderSortField.CHANGED).',
  })
  orders(@TenantCtx() ctx: TenantContext, @Args() args: OrdersArgs, @SelectedRelations(CONNECTION_NODE) relations: OrderRelations): Promise<Page<OrderType>> {
    return this.reader.list(ctx, args, relations);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => OrderType, {
    description: 'Requires ORDERS_WRITE. A new QUOTE with the next order number; the contact must belong to the client.',
  })
  createOrder(@TenantCtx() ctx: TenantContext, @Args('input') input: CreateOrderInput, @SelectedRelations() relations: OrderRelations): Promise<OrderType> {
    return this.service.create(ctx, input, relations);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => OrderType, { description: 'Requires ORDERS_WRITE. Changes only the fields given; the currency only while QUOTE.' })
  updateOrder(@TenantCtx() ctx: TenantContext, @Args() args: UpdateOrderArgs, @SelectedRelations() relations: OrderRelations): Promise<OrderType> {
    return this.service.update(ctx, args.id, args.patch, relations);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => OrderType, {
    description: 'Requires ORDERS_WRITE. Moves the order along its state machine (see OrderStatus); any other move is INVALID_TRANSITION.',
  })
  transitionOrder(@TenantCtx() ctx: TenantContext, @Args() args: TransitionOrderArgs, @SelectedRelations() relations: OrderRelations): Promise<OrderType> {
    return this.service.transition(ctx, args.id, args.to, relations);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => OrderType, {
    description: 'Requires ORDERS_WRITE. Appends a line (at most 200); only while QUOTE or CONFIRMED (ORDER_LOCKED otherwise). Returns the order.',
  })
  addOrderLine(@TenantCtx() ctx: TenantContext, @Args() args: AddOrderLineArgs, @SelectedRelations() relations: OrderRelations): Promise<OrderType> {
    return this.service.addLine(ctx, args.orderId, args.line, relations);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => OrderType, {
    description: 'Requires ORDERS_WRITE. Changes the fields given; only while QUOTE or CONFIRMED (ORDER_LOCKED otherwise). Returns the order.',
  })
  updateOrderLine(@TenantCtx() ctx: TenantContext, @Args() args: UpdateOrderLineArgs, @SelectedRelations() relations: OrderRelations): Promise<OrderType> {
    return this.service.updateLine(ctx, args.id, args.patch, relations);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => OrderType, {
    description: 'Requires ORDERS_WRITE. Removes a line and closes the gap in positions; only while QUOTE or CONFIRMED. Returns the order.',
  })
  removeOrderLine(@TenantCtx() ctx: TenantContext, @Args() args: OrderLineIdArgs, @SelectedRelations() relations: OrderRelations): Promise<OrderType> {
    return this.service.removeLine(ctx, args.id, relations);
  }
}
