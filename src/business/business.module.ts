import { Module } from '@nestjs/common';
import { ClientsModule } from './clients/clients.module.js';
import { CommunicationsModule } from './communications/communications.module.js';
import { ContactsModule } from './contacts/contacts.module.js';
import { OrdersModule } from './orders/orders.module.js';
import { SupportModule } from './support/support.module.js';
import { BusinessPersonalData } from './business.personal-data.js';

/** The CRM itself: clients and their contacts, orders with lines, communications, and support requests. */
@Module({
  imports: [ClientsModule, ContactsModule, OrdersModule, CommunicationsModule, SupportModule],
  providers: [BusinessPersonalData],
})
export class BusinessModule {}
