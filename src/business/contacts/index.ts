// What other modules may use of contacts (with ContactsModule): the service and GraphQL type, the foreign key to a
// contact for their own entities, the row mapper for read paths, and the port through which they veto a deletion.
export { ContactDeletionChecks, type ContactDeletionCheck } from './contact-deletion.js';
export { ContactForeignKey } from './contact.entity.js';
export { contactFromRow, type ContactRow } from './contact.rows.js';
export { ContactService, RECTIFIABLE_CONTACT_FIELDS, type RectifiableContactField } from './contact.service.js';
export { ContactType } from './contact.types.js';
