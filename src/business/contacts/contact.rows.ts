import { PostalAddressType } from '../../common/address/postal-address.js';
import { ContactType } from './contact.types.js';

/** A `contact` row as `select *` returns it through the driver (times as text). */
export type ContactRow = Record<string, unknown>;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * Maps a raw row straight to its GraphQL object. Read paths that show many contacts (a page of orders, a page of
 * clients) skip entity hydration, which costs more than the query (identity map, snapshots, property setters).
 */
export function contactFromRow(row: ContactRow, parseDate: (value: string) => Date): ContactType {
  return Object.assign(new ContactType(), {
    id: row.id as string,
    clientId: row.client_id as string,
    firstName: row.first_name as string,
    lastName: row.last_name as string,
    title: text(row.title),
    email: text(row.email),
    phone: text(row.phone),
    address: Object.assign(new PostalAddressType(), {
      line1: text(row.address_line1),
      line2: text(row.address_line2),
      city: text(row.address_city),
      region: text(row.address_region),
      postalCode: text(row.address_postal_code),
      country: text(row.address_country),
    }),
    createdAt: parseDate(row.created_at as string),
    updatedAt: parseDate(row.updated_at as string),
  });
}
