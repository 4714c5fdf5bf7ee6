import { Injectable } from '@nestjs/common';
import type { TenantContext } from '../../common/context/request-context.js';

/** What the consent ledger needs of a tenant's contact: the addresses the suppression list is checked against. */
export interface ConsentContact {
  email?: string | null;
  phone?: string | null;
}

/** The port through which consent reaches contacts. business/contacts implements it, so consent imports no business code. */
export interface ConsentContactSource {
  /** The active tenant's contact, or NOT_FOUND (also for another tenant's id). */
  require(ctx: TenantContext, contactId: string): Promise<ConsentContact>;
}

/** Holds the contact source that business/contacts registers at start-up (see ConsentContactsAdapter there). */
@Injectable()
export class ConsentContacts {
  private source: ConsentContactSource | undefined;

  use(source: ConsentContactSource): void {
    this.source = source;
  }

  require(ctx: TenantContext, contactId: string): Promise<ConsentContact> {
    if (!this.source) throw new Error('No contact source registered with ConsentContacts: import ContactsModule.');
    return this.source.require(ctx, contactId);
  }
}
