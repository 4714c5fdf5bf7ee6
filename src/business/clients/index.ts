// What other modules may use of clients (with ClientsModule): the service and GraphQL type, the foreign key to a
// client for their own entities, the row mapper for read paths, and the port through which they veto a deletion.
export { ClientDeletionChecks, type ClientDeletionCheck } from './client-deletion.js';
export { ClientForeignKey } from './client.entity.js';
export { clientRecordFromRow, type ClientRow } from './client.rows.js';
export { ClientService } from './client.service.js';
export { ClientType, type ClientRecord } from './client.types.js';
