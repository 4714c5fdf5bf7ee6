// What other modules may use of consent (with ConsentModule): the ledger, policy documents, purposes, and the port
// through which consent reaches contacts.
export { ConsentContacts, type ConsentContact, type ConsentContactSource } from './ledger/consent-contacts.js';
export { IsVisitorId, VISITOR_ID_DESCRIPTION } from './ledger/consent.inputs.js';
export { ConsentService, type KnownAddresses, type MarketingRecipient } from './ledger/consent.service.js';
export { PolicyDocumentService } from './policies/policy-document.service.js';
export { PolicyDocumentType } from './policies/policy-document.types.js';
export { ConsentPurpose } from './purposes/consent-purpose.js';
