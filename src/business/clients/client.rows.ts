import { PostalAddress } from '../../common/address/postal-address.js';
import type { ClientRecord } from './client.types.js';

/** A `client` row as `select *` returns it through the driver (times as text). */
export type ClientRow = Record<string, unknown>;

const optional = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function addressOf(row: ClientRow, prefix: string): PostalAddress {
  return Object.assign(new PostalAddress(), {
    line1: optional(row[`${prefix}line1`]),
    line2: optional(row[`${prefix}line2`]),
    city: optional(row[`${prefix}city`]),
    region: optional(row[`${prefix}region`]),
    postalCode: optional(row[`${prefix}postal_code`]),
    country: optional(row[`${prefix}country`]),
  });
}

/** The client data of a raw row, for ClientType.from without hydrating an entity (see contactFromRow). */
export function clientRecordFromRow(row: ClientRow, parseDate: (value: string) => Date): ClientRecord {
  return {
    id: row.id as string,
    name: row.name as string,
    website: optional(row.website),
    industry: optional(row.industry),
    tags: (row.tags as string[] | null) ?? [],
    ownerUserId: optional(row.owner_user_id),
    billingAddress: addressOf(row, 'billing_'),
    shippingAddress: addressOf(row, 'shipping_'),
    notes: optional(row.notes),
    archivedAt: typeof row.archived_at === 'string' ? parseDate(row.archived_at) : undefined,
    createdAt: parseDate(row.created_at as string),
    updatedAt: parseDate(row.updated_at as string),
  };
}
