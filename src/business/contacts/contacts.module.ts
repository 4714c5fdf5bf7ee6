import { Module } from '@nestjs/common';
import { ContactsArgs } from './contact.inputs.js';
import { contactPageQuery } from './contact-page.sql.js';
import { ReadModels } from '../../database/read-model/read-models.js';
import { CONTACT_READ_MODEL } from './contact-read-model.sql.js';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { ConsentModule } from '../../consent/consent.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { CLIENT_CONTACTS_LIMIT, ClientContactsReader } from './client-contacts.reader.js';
import { read } from '../../database/read-model/read-model.js';
import { ClientContactsResolver } from './client-contacts.resolver.js';
import { ConsentContactsAdapter } from './consent-contacts.adapter.js';
import { ContactDeletionChecks } from './contact-deletion.js';
import { Contact } from './contact.entity.js';
import { ContactResolver } from './contact.resolver.js';
import { ContactService } from './contact.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Contact]), AccountsModule, ClientsModule, ConsentModule],
  providers: [ContactDeletionChecks, ContactService, ContactResolver, ClientContactsReader, ClientContactsResolver, ConsentContactsAdapter],
  exports: [ContactDeletionChecks, ContactService],
})
export class ContactsModule {
  constructor(models: ReadModels) {
    models.registerObject(CONTACT_READ_MODEL, {
      type: 'Client',
      fields: {
        contacts: read.relatedList(
          'Contact',
          (row, c) => `contact ${c} where ${c}.client_id = ${row.col('id')}`,
          (c) => `${c}.last_name, ${c}.first_name, ${c}.id`,
          { limit: CLIENT_CONTACTS_LIMIT },
        ),
      },
    });
    models.registerList({ field: 'contacts', args: ContactsArgs, resolver: { class: ContactResolver, method: 'contacts' }, page: contactPageQuery });
  }
}
