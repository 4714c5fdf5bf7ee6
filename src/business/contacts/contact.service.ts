import { Injectable } from '@nestjs/common';
import { ForeignKeyConstraintViolationException, LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import type { TenantContext } from '../../common/context/request-context.js';
import { conflict, notFound } from '../../common/errors/app-errors.js';
import { toPage } from '../../common/pagination/keyset.js';
import { ClientService } from '../clients/index.js';
import { ContactDeletionChecks } from './contact-deletion.js';
import { Contact } from './contact.entity.js';
import type { ContactsArgs, CreateContactInput, UpdateContactInput } from './contact.inputs.js';
import { ContactType } from './contact.types.js';
import { contactPageQuery } from './contact-page.sql.js';
import { contactFromRow, type ContactRow } from './contact.rows.js';
import { pageCount, pageRows } from '../../database/read-model/page-rows.js';
import type { Page } from '../../common/pagination/connection.types.js';
import { postalAddressFrom } from '../../common/address/postal-address.js';
import type { FieldChange } from '../../common/privacy/rectification.js';

/** Contact fields a data-subject rectification may change (the address is changed with updateContact). */
export const RECTIFIABLE_CONTACT_FIELDS = ['firstName', 'lastName', 'title', 'email', 'phone'] as const;
export type RectifiableContactField = (typeof RECTIFIABLE_CONTACT_FIELDS)[number];

@Injectable()
export class ContactService {
  constructor(
    private readonly em: EntityManager,
    private readonly clients: ClientService,
    private readonly deletionChecks: ContactDeletionChecks,
  ) {}

  /** The tenant's contact with this id, or NOT_FOUND (also for another tenant's id). For other business modules. */
  async require(ctx: TenantContext, id: string, options: { lock?: boolean } = {}): Promise<Contact> {
    const contact = await this.em.findOne(Contact, { id, tenantId: ctx.tenantId }, options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!contact) throw notFound('Contact');
    return contact;
  }

  async get(ctx: TenantContext, id: string): Promise<ContactType> {
    return ContactType.from(await this.require(ctx, id));
  }

  /** A page of contacts, as the read path plans it (contactPageQuery), so that both list the same rows. */
  async list(ctx: TenantContext, args: ContactsArgs): Promise<Page<ContactType>> {
    const page = contactPageQuery(ctx, args);
    const rows = await pageRows<ContactRow>(this.em, page);
    const parseDate = (value: string) => this.em.getPlatform().parseDate(value);
    return toPage(
      page.request,
      rows,
      (row) => ({ key: row.sort_key, id: row.id }),
      (row) => contactFromRow(row, parseDate),
      () => pageCount(this.em, page),
    );
  }

  async create(ctx: TenantContext, input: CreateContactInput): Promise<ContactType> {
    const client = await this.clients.require(ctx, input.clientId);
    const contact = this.em.create(Contact, {
      clientId: client.id,
      firstName: input.firstName,
      lastName: input.lastName,
      title: input.title ?? undefined,
      email: input.email ?? undefined,
      phone: input.phone ?? undefined,
      address: postalAddressFrom(input.address),
    });
    await this.em.flush();
    return ContactType.from(contact);
  }

  async update(ctx: TenantContext, input: UpdateContactInput): Promise<ContactType> {
    const contact = await this.require(ctx, input.id);
    if (input.firstName !== undefined) contact.firstName = input.firstName;
    if (input.lastName !== undefined) contact.lastName = input.lastName;
    if (input.title !== undefined) contact.title = input.title ?? undefined;
    if (input.email !== undefined) contact.email = input.email ?? undefined;
    if (input.phone !== undefined) contact.phone = input.phone ?? undefined;
    if (input.address !== undefined) contact.address = postalAddressFrom(input.address);
    await this.em.flush();
    return ContactType.from(contact);
  }

  /** Applies a rectification in the current transaction; returns what changed (fields already right are left out). */
  async rectify(ctx: TenantContext, id: string, changes: Partial<Record<RectifiableContactField, string | null>>): Promise<FieldChange[]> {
    const contact = await this.require(ctx, id, { lock: true });
    const applied: FieldChange[] = [];
    for (const field of RECTIFIABLE_CONTACT_FIELDS) {
      const value = changes[field];
      if (value === undefined) continue;
      const old = contact[field] ?? null;
      // First and last name can not be cleared: a null for them is ignored rather than breaking the row.
      if (value === old || (value === null && (field === 'firstName' || field === 'lastName'))) continue;
      applied.push({ field, old, new: value });
      if (field === 'firstName' || field === 'lastName') contact[field] = value as string;
      else contact[field] = value ?? undefined;
    }
    await this.em.flush();
    return applied;
  }

  /**
   * Refused while the registered checks say something refers to the contact (orders); the row lock keeps an order
   * created meanwhile from slipping in.
   */
  async delete(ctx: TenantContext, id: string): Promise<ContactType> {
    const contact = await this.require(ctx, id, { lock: true });
    await this.deletionChecks.assertDeletable(ctx, contact.id);
    const deleted = ContactType.from(contact);
    this.em.remove(contact);
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof ForeignKeyConstraintViolationException) throw conflict('The contact is referenced by an order.');
      throw error;
    }
    return deleted;
  }
}
