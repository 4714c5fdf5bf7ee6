import { Module } from '@nestjs/common';
import { ReadModels } from '../../database/read-model/read-models.js';
import { COMMUNICATION_READ_MODEL, communicationPageQuery } from './communication-page.sql.js';
import { CommunicationsArgs } from './communication.inputs.js';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { ConsentModule } from '../../consent/consent.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { Communication } from './communication.entity.js';
import { CommunicationResolver } from './communication.resolver.js';
import { CommunicationService } from './communication.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Communication]), AccountsModule, ClientsModule, ContactsModule, ConsentModule],
  providers: [CommunicationService, CommunicationResolver],
  exports: [],
})
export class CommunicationsModule {
  constructor(models: ReadModels) {
    models.registerObject(COMMUNICATION_READ_MODEL);
    models.registerList({
      field: 'communications',
      args: CommunicationsArgs,
      resolver: { class: CommunicationResolver, method: 'communications' },
      page: communicationPageQuery,
    });
  }
}
