import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { TenantContext } from '../../common/context/request-context.js';
import { ConsentContacts, type ConsentContact, type ConsentContactSource } from '../../consent/index.js';
import { ContactService } from './contact.service.js';

/** Contacts as the consent ledger sees them (its ConsentContactSource port), registered with consent at start-up. */
@Injectable()
export class ConsentContactsAdapter implements ConsentContactSource, OnModuleInit {
  constructor(
    private readonly consentContacts: ConsentContacts,
    private readonly contacts: ContactService,
  ) {}

  onModuleInit(): void {
    this.consentContacts.use(this);
  }

  async require(ctx: TenantContext, contactId: string): Promise<ConsentContact> {
    const contact = await this.contacts.require(ctx, contactId);
    return { email: contact.email, phone: contact.phone };
  }
}
