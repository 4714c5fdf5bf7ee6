import { Permission } from '../../common/authorization/permission.js';
import { read, type ObjectReadModel } from '../../database/read-model/read-model.js';

/** How a contact reads in SQL, for the compiled read path (see ReadModels). */
export const CONTACT_READ_MODEL: ObjectReadModel = {
  type: 'Contact',
  fields: {
    id: read.column('id'),
    clientId: read.column('client_id'),
    firstName: read.column('first_name'),
    lastName: read.column('last_name'),
    title: read.column('title'),
    email: read.column('email', { permission: Permission.PII_READ }),
    phone: read.column('phone', { permission: Permission.PII_READ }),
    address: read.embedded('PostalAddress', 'address_', { permission: Permission.PII_READ }),
    createdAt: read.time('created_at'),
    updatedAt: read.time('updated_at'),
  },
};
