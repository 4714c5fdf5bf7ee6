import { Module } from '@nestjs/common';
import { ClientsArgs } from './client.inputs.js';
import { clientPageQuery } from './client-page.sql.js';
import { ReadModels } from '../../database/read-model/read-models.js';
import { CLIENT_READ_MODEL } from './client-read-model.sql.js';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { ClientDeletionChecks } from './client-deletion.js';
import { Client } from './client.entity.js';
import { ClientResolver } from './client.resolver.js';
import { ClientService } from './client.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Client]), AccountsModule],
  providers: [ClientDeletionChecks, ClientService, ClientResolver],
  exports: [ClientDeletionChecks, ClientService],
})
export class ClientsModule {
  constructor(models: ReadModels) {
    models.registerObject(CLIENT_READ_MODEL);
    models.registerList({ field: 'clients', args: ClientsArgs, resolver: { class: ClientResolver, method: 'clients' }, page: clientPageQuery });
  }
}
