import { Permission } from '../../common/authorization/permission.js';
import { read, type ObjectReadModel } from '../../database/read-model/read-model.js';

/** How the order types read in SQL, for the compiled read path (see ReadModels); the same values OrderReader maps. */
export const ORDER_READ_MODELS: ObjectReadModel[] = [
  {
    type: 'Order',
    fields: {
      id: read.column('id'),
      number: read.column('number'),
      status: read.column('status'),
      currency: read.column('currency'),
      inHandsDate: read.date('in_hands_date'),
      notes: read.column('notes'),
      externalReferences: read.jsonList('ExternalReference', (row) => row.col('external_references')),
      subtotal: read.column('subtotal'),
      totalCost: read.column('total_cost', { permission: Permission.FINANCIALS_READ }),
      margin: read.expression((row) => `${row.col('subtotal')} - ${row.col('total_cost')}`, { permission: Permission.FINANCIALS_READ }),
      clientId: read.column('client_id'),
      client: read.related('Client', (row, c) => `client ${c} where ${c}.id = ${row.col('client_id')}`),
      contactId: read.column('contact_id'),
      contact: read.related('Contact', (row, c) => `contact ${c} where ${c}.id = ${row.col('contact_id')}`),
      lines: read.relatedList(
        'OrderLine',
        (row, l) => `order_line ${l} where ${l}.order_id = ${row.col('id')}`,
        (l) => `${l}.position`,
      ),
      history: read.relatedList(
        'OrderStatusChange',
        (row, h) => `order_status_change ${h} where ${h}.order_id = ${row.col('id')}`,
        (h) => `${h}.created_at, ${h}.id`,
      ),
      createdAt: read.time('created_at'),
      updatedAt: read.time('updated_at'),
    },
  },
  {
    type: 'OrderLine',
    fields: {
      id: read.column('id'),
      position: read.column('position'),
      productName: read.column('product_name'),
      sku: read.column('sku'),
      supplier: read.column('supplier'),
      quantity: read.column('quantity'),
      unitPrice: read.column('unit_price'),
      unitCost: read.column('unit_cost', { permission: Permission.FINANCIALS_READ }),
      lineTotal: read.expression((row) => `${row.col('quantity')} * ${row.col('unit_price')}`),
      lineCost: read.expression((row) => `${row.col('quantity')} * ${row.col('unit_cost')}`, { permission: Permission.FINANCIALS_READ }),
      decoration: read.column('decoration'),
      colour: read.column('colour'),
    },
  },
  {
    type: 'OrderStatusChange',
    fields: {
      id: read.column('id'),
      fromStatus: read.column('from_status'),
      toStatus: read.column('to_status'),
      at: read.time('created_at'),
      actorUserId: read.column('actor_user_id'),
      actorApiKeyId: read.column('actor_api_key_id'),
    },
  },
  {
    type: 'ExternalReference',
    fields: { system: read.column('system'), kind: read.column('kind'), value: read.column('value') },
  },
];
