import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { Contact } from './contact.entity.js';
import { ContactResolver } from './contact.resolver.js';
import { ContactService } from './contact.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Contact]), AccountsModule, ClientsModule],
  providers: [ContactService, ContactResolver],
  exports: [ContactService],
})
export class ContactsModule {}
