import { memberRef } from '../../accounts/index.js';
import { read, type ObjectReadModel } from '../../database/read-model/read-model.js';

/** How a client reads in SQL, for the compiled read path (see ReadModels). */
export const CLIENT_READ_MODEL: ObjectReadModel = {
  type: 'Client',
  fields: {
    id: read.column('id'),
    name: read.column('name'),
    website: read.column('website'),
    industry: read.column('industry'),
    tags: read.column('tags'),
    ownerUserId: read.column('owner_user_id'),
    owner: memberRef('owner_user_id'),
    billingAddress: read.embedded('PostalAddress', 'billing_'),
    shippingAddress: read.embedded('PostalAddress', 'shipping_'),
    notes: read.column('notes'),
    archived: read.expression((row) => `${row.col('archived_at')} is not null`),
    archivedAt: read.time('archived_at'),
    createdAt: read.time('created_at'),
    updatedAt: read.time('updated_at'),
  },
};
