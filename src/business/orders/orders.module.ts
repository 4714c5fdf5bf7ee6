import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { OrderFeedMark } from './order-feed-mark.entity.js';
import { OrderLine } from './order-line.entity.js';
import { OrderNumberCounter } from './order-number-counter.entity.js';
import { OrderReader } from './order.reader.js';
import { OrderReferences } from './order-references.js';
import { OrderResolver } from './order.resolver.js';
import { OrderService } from './order.service.js';
import { OrderStatusChange } from './order-status-change.entity.js';
import { Order } from './order.entity.js';
import { OrderFeedMarkRetention } from './order-feed-mark.retention.js';
import { ReadModels } from '../../database/read-model/read-models.js';
import { OrdersArgs } from './order.inputs.js';
import { orderPageQuery } from './order-page.sql.js';
import { ORDER_READ_MODELS } from './order-read-model.sql.js';

@Module({
  imports: [MikroOrmModule.forFeature([Order, OrderLine, OrderStatusChange, OrderNumberCounter, OrderFeedMark]), AccountsModule, ClientsModule, ContactsModule],
  providers: [OrderReader, OrderService, OrderResolver, OrderFeedMarkRetention, OrderReferences],
  exports: [],
})
export class OrdersModule {
  constructor(models: ReadModels) {
    models.registerObject(...ORDER_READ_MODELS);
    models.registerList({ field: 'orders', args: OrdersArgs, resolver: { class: OrderResolver, method: 'orders' }, page: orderPageQuery });
  }
}
