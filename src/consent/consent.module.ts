import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PolicyAcceptanceGate } from '../common/authorization/policy-acceptance.js';
import { AppConfig } from '../config/app-config.js';
import { ConsentPersonalData } from './consent.personal-data.js';
import { ConsentContacts } from './ledger/consent-contacts.js';
import { ConsentEvent } from './ledger/consent-event.entity.js';
import { ConsentResolver } from './ledger/consent.resolver.js';
import { ConsentService } from './ledger/consent.service.js';
import { ContactConsentEvent } from './ledger/contact-consent-event.entity.js';
import { SuppressionEntry } from './ledger/suppression-entry.entity.js';
import { SuppressionKey } from './ledger/suppression-key.js';
import { PolicyAcceptance } from './policies/policy-acceptance.entity.js';
import { PolicyDocument } from './policies/policy-document.entity.js';
import { PolicyDocumentResolver } from './policies/policy-document.resolver.js';
import { PolicyDocumentService } from './policies/policy-document.service.js';
import { SubprocessorResolver } from './subprocessors/subprocessor.resolver.js';

/**
 * Purposes, the consent ledgers (users and visitors; contacts per tenant), the suppression list, policy documents
 * and their acceptance, and the subprocessor register. It imports no feature module: business/contacts registers
 * itself as the ledger's ConsentContactSource, and the AccessGuard in common reaches the policy gate through the
 * PolicyAcceptanceGate interface.
 */
@Module({
  imports: [MikroOrmModule.forFeature([ConsentEvent, ContactConsentEvent, SuppressionEntry, PolicyDocument, PolicyAcceptance])],
  providers: [
    { provide: SuppressionKey, inject: [AppConfig], useFactory: SuppressionKey.resolve },
    ConsentPersonalData,
    ConsentContacts,
    ConsentService,
    PolicyDocumentService,
    { provide: PolicyAcceptanceGate, useExisting: PolicyDocumentService },
    ConsentResolver,
    PolicyDocumentResolver,
    SubprocessorResolver,
  ],
  exports: [ConsentContacts, ConsentService, PolicyDocumentService, PolicyAcceptanceGate],
})
export class ConsentModule {}
