import { Injectable } from '@nestjs/common';
import {
  DeclaresPersonalData,
  MEMBER_ID_KEPT,
  PersonalDataTreatment as T,
  type PersonalDataDeclaration,
  type PersonalDataSource,
} from '../common/privacy/personal-data.js';

const ADDRESS = ['line1', 'line2', 'city', 'region', 'postal_code', 'country'].map((part) => `address_${part}`);

/** A tenant's contacts (people at its clients), what was said with them, their orders; members' support threads. */
@Injectable()
@DeclaresPersonalData()
export class BusinessPersonalData implements PersonalDataSource {
  personalData(): PersonalDataDeclaration {
    return {
      module: 'business',
      legalHold: [
        { table: 'order', reason: 'Sales records: tax law requires keeping them (taxRetentionYears).', blankOnPurge: ['notes'] },
        { table: 'order_line', reason: 'What was sold, at what price: part of the order record.' },
        { table: 'order_status_change', reason: 'When the order was confirmed, shipped, invoiced: part of the order record.' },
        { table: 'client', reason: 'The company the orders were sold to (orders refer to it).', blankOnPurge: ['notes'] },
        { table: 'contact', reason: 'Orders refer to their contact; every contact is pseudonymised by the purge.' },
      ],
      tables: [
        {
          table: 'contact',
          links: [{ subject: 'contact', column: 'id' }],
          columns: [
            { column: 'first_name', treatment: T.PSEUDONYMISE, identifies: 'name' },
            { column: 'last_name', treatment: T.PSEUDONYMISE, identifies: 'name' },
            { column: 'title', treatment: T.ERASE },
            { column: 'email', treatment: T.ERASE, identifies: 'email' },
            { column: 'phone', treatment: T.ERASE, identifies: 'phone' },
            ...ADDRESS.map((column) => ({ column, treatment: T.ERASE })),
          ],
          onErasure: 'PSEUDONYMISE_ROW',
          reason: 'Kept as a pseudonymised placeholder: orders (legal hold), the privacy requests and the consent ledger refer to its id.',
        },
        {
          table: 'communication',
          links: [
            { subject: 'contact', column: 'contact_id' },
            { subject: 'user', column: 'author_user_id', onErasure: 'KEEP_ROW' },
          ],
          columns: [
            { column: 'subject', treatment: T.ERASE },
            { column: 'body', treatment: T.ERASE },
          ],
          // Kept ones (with another contact, or the member's own) may still name the person.
          freeText: [{ column: 'subject' }, { column: 'body' }],
          onErasure: 'DELETE_ROW',
          reason: `A contact's erasure deletes what was said with them; a member's erasure keeps the tenant's record of its client communications. ${MEMBER_ID_KEPT}`,
        },
        {
          table: 'order',
          links: [{ subject: 'contact', column: 'contact_id' }],
          columns: [{ column: 'notes', treatment: T.EXPORT }],
          freeText: [{ column: 'notes' }],
          onErasure: 'PSEUDONYMISE_ROW',
          reason: 'Legal hold: orders and their sums are kept for accounting; the contact they name is pseudonymised.',
        },
        {
          table: 'order_line',
          links: [],
          columns: [],
          // Artwork notes and personalisation ("embroider Jane's name") may name a person.
          freeText: [{ column: 'decoration' }],
          onErasure: 'KEEP_ROW',
          reason: 'Legal hold with the order: what was sold, at what price; no column ties a line to a person.',
        },
        {
          table: 'order_status_change',
          links: [{ subject: 'user', column: 'actor_user_id' }],
          columns: [],
          onErasure: 'KEEP_ROW',
          reason: `Legal hold with the order. ${MEMBER_ID_KEPT}`,
        },
        {
          table: 'client',
          links: [{ subject: 'user', column: 'owner_user_id' }],
          columns: [],
          freeText: [{ column: 'notes' }],
          onErasure: 'KEEP_ROW',
          reason: `The client belongs to the tenant; only the responsible member's id links it to a user. ${MEMBER_ID_KEPT}`,
        },
        {
          table: 'support_request',
          links: [{ subject: 'user', column: 'created_by_user_id' }],
          columns: [
            { column: 'subject', treatment: T.ERASE },
            { column: 'body', treatment: T.ERASE },
          ],
          freeText: [{ column: 'subject' }, { column: 'body' }],
          onErasure: 'BLANK_COLUMNS',
          reason: "The thread stays for the tenant's other members and support; the erased user's words go.",
        },
        {
          table: 'support_reply',
          links: [{ subject: 'user', column: 'author_user_id' }],
          columns: [{ column: 'body', treatment: T.ERASE }],
          freeText: [{ column: 'body' }],
          onErasure: 'BLANK_COLUMNS',
          reason: 'Replies by others in the same thread stay in order.',
        },
        {
          table: 'support_attachment',
          links: [{ subject: 'user', column: 'uploaded_by_user_id' }],
          columns: [
            { column: 'file_name', treatment: T.ERASE },
            { column: 'content', treatment: T.ERASE },
          ],
          // A file name may name a person; the bytes are not searched (see docs/privacy.md).
          freeText: [{ column: 'file_name' }],
          onErasure: 'DELETE_ROW',
        },
      ],
    };
  }
}
