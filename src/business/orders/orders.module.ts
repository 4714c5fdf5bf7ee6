import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { OrderLine } from './order-line.entity.js';
import { OrderNumberCounter } from './order-number-counter.entity.js';
import { OrderStatusChange } from './order-status-change.entity.js';
import { Order } from './order.entity.js';

@Module({
  imports: [MikroOrmModule.forFeature([Order, OrderLine, OrderStatusChange, OrderNumberCounter]), AccountsModule],
  providers: [],
  exports: [],
})
export class OrdersModule {}
