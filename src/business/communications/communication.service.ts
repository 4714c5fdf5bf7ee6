import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { FilterQuery } from '@mikro-orm/core';
import type { TenantContext } from '../../common/context/request-context.js';
import { badInput, notFound } from '../../common/errors/app-errors.js';
import { keysetQuery, toPage, type KeysetOrder, keysetRequest, parseDateKey } from '../../common/pagination/keyset.js';
import { MemberDirectory, type MemberSummary } from '../../accounts/index.js';
import { ClientService } from '../clients/index.js';
import { SortDirection } from '../../common/pagination/sort-direction.js';
import { ContactService } from '../contacts/index.js';
import { ConsentPurpose, ConsentService, type MarketingRecipient } from '../../consent/index.js';
import { Communication, CommunicationChannel } from './communication.entity.js';
import {
  CommunicationSortField,
  type CommunicationFilter,
  type CommunicationsArgs,
  type LogCommunicationInput,
  type UpdateCommunicationInput,
} from './communication.inputs.js';
import { CommunicationType, type AuthorLookup } from './communication.types.js';
import type { Page } from '../../common/pagination/connection.types.js';

/** Marketing on these channels needs the contact's consent for the matching purpose; the other channels have none. */
const MARKETING_PURPOSE: Partial<Record<CommunicationChannel, ConsentPurpose.MARKETING_EMAIL | ConsentPurpose.MARKETING_SMS>> = {
  [CommunicationChannel.EMAIL]: ConsentPurpose.MARKETING_EMAIL,
  [CommunicationChannel.SMS]: ConsentPurpose.MARKETING_SMS,
};

const recipientOf = (contact: { id: string; email?: string; phone?: string }): MarketingRecipient => ({
  contactId: contact.id,
  email: contact.email,
  phone: contact.phone,
});

const SORT_PROPERTY = { [CommunicationSortField.OCCURRED_AT]: 'occurredAt', [CommunicationSortField.CREATED_AT]: 'createdAt' } as const;

/**
 * Communications with clients. Every read is scoped to the context's tenant (ORM filter and row-level security), so
 * another tenant's communication, client or contact is simply not found.
 */
@Injectable()
export class CommunicationService {
  constructor(
    private readonly em: EntityManager,
    private readonly members: MemberDirectory,
    private readonly consent: ConsentService,
    private readonly clients: ClientService,
    private readonly contacts: ContactService,
  ) {}

  async get(ctx: TenantContext, id: string): Promise<CommunicationType> {
    const communication = await this.findOrFail(id);
    return CommunicationType.from(communication, this.authorLookup(ctx, [communication]));
  }

  async list(ctx: TenantContext, args: CommunicationsArgs): Promise<Page<CommunicationType>> {
    const request = keysetRequest(args);
    const property = SORT_PROPERTY[args.sort?.field ?? CommunicationSortField.OCCURRED_AT];
    const order: KeysetOrder = {
      field: property,
      descending: (args.sort?.direction ?? SortDirection.DESC) === SortDirection.DESC,
      parseKey: parseDateKey,
    };
    const keyset = keysetQuery(order, request);
    const filter = this.filterOf(args.filter);
    const rows = await this.em.find(
      Communication,
      { $and: [filter, keyset.where as FilterQuery<Communication>] },
      { orderBy: keyset.orderBy, limit: request.limit + 1 },
    );
    const authors = this.authorLookup(ctx, rows);
    return toPage(
      request,
      rows,
      (row) => ({ key: row[property].toISOString(), id: row.id }),
      (row) => CommunicationType.from(row, authors),
      () => this.em.count(Communication, filter),
    );
  }

  async log(ctx: TenantContext, input: LogCommunicationInput): Promise<CommunicationType> {
    const client = await this.clients.require(ctx, input.clientId);
    const contact = input.contactId ? await this.contactOfClient(ctx, input.contactId, client.id) : undefined;
    if (input.marketing) await this.assertMarketingAllowed(input.channel, contact);
    const communication = this.em.create(Communication, {
      clientId: client.id,
      contactId: contact?.contactId,
      channel: input.channel,
      direction: input.direction,
      subject: input.subject ?? undefined,
      body: input.body,
      occurredAt: input.occurredAt,
      marketing: input.marketing ?? false,
      authorUserId: ctx.actor.kind === 'user' ? ctx.actor.userId : undefined,
    });
    await this.em.flush();
    return CommunicationType.from(communication, this.authorLookup(ctx, [communication]));
  }

  async update(ctx: TenantContext, input: UpdateCommunicationInput): Promise<CommunicationType> {
    const communication = await this.findOrFail(input.id);
    if (input.contactId !== undefined) {
      communication.contactId = input.contactId === null ? undefined : (await this.contactOfClient(ctx, input.contactId, communication.clientId)).contactId;
    }
    if (input.channel !== undefined) communication.channel = input.channel;
    if (input.direction !== undefined) communication.direction = input.direction;
    if (input.subject !== undefined) communication.subject = input.subject ?? undefined;
    if (input.body !== undefined) communication.body = input.body;
    if (input.occurredAt !== undefined) communication.occurredAt = input.occurredAt;
    if (input.marketing !== undefined) communication.marketing = input.marketing;
    // Turning a communication into marketing, or pointing marketing at another channel or contact, passes the gate.
    const retargeted = input.marketing !== undefined || input.channel !== undefined || input.contactId !== undefined;
    if (communication.marketing && retargeted) {
      const contact = communication.contactId ? await this.recipient(ctx, communication.contactId) : undefined;
      await this.assertMarketingAllowed(communication.channel, contact);
    }
    await this.em.flush();
    return CommunicationType.from(communication, this.authorLookup(ctx, [communication]));
  }

  /** Returns the communication as it was before deletion. */
  async delete(ctx: TenantContext, id: string): Promise<CommunicationType> {
    const communication = await this.findOrFail(id);
    const deleted = CommunicationType.from(communication, this.authorLookup(ctx, [communication]));
    this.em.remove(communication);
    await this.em.flush();
    return deleted;
  }

  /** CONSENT_REQUIRED unless the contact currently consents to marketing on this channel and is not suppressed. */
  private async assertMarketingAllowed(channel: CommunicationChannel, recipient: MarketingRecipient | undefined): Promise<void> {
    const purpose = MARKETING_PURPOSE[channel];
    if (!purpose) return;
    await this.consent.assertMarketingAllowed(recipient ?? null, purpose);
  }

  private async findOrFail(id: string): Promise<Communication> {
    const communication = await this.em.findOne(Communication, { id });
    if (!communication) throw notFound('Communication');
    return communication;
  }

  /** The contact, which must be one of the client's; another tenant's contact is not found at all. */
  private async contactOfClient(ctx: TenantContext, contactId: string, clientId: string): Promise<MarketingRecipient> {
    const contact = await this.contacts.require(ctx, contactId);
    if (contact.clientId !== clientId) {
      const problem = "contactId must be a contact of the communication's client";
      throw badInput(`Invalid input. contactId: ${problem}`, { fields: [{ field: 'contactId', problems: [problem] }] });
    }
    return recipientOf(contact);
  }

  /** The communication's contact, as the marketing gate checks it. */
  private async recipient(ctx: TenantContext, contactId: string): Promise<MarketingRecipient> {
    return recipientOf(await this.contacts.require(ctx, contactId));
  }

  private filterOf(filter: CommunicationFilter | undefined): FilterQuery<Communication> {
    if (!filter) return {};
    const occurredAt = {
      ...(filter.occurredAfter ? { $gte: filter.occurredAfter } : {}),
      ...(filter.occurredBefore ? { $lt: filter.occurredBefore } : {}),
    };
    return {
      ...(filter.clientId ? { clientId: filter.clientId } : {}),
      ...(filter.contactId ? { contactId: filter.contactId } : {}),
      ...(filter.channel ? { channel: filter.channel } : {}),
      ...(filter.direction ? { direction: filter.direction } : {}),
      ...(typeof filter.marketing === 'boolean' ? { marketing: filter.marketing } : {}),
      ...(Object.keys(occurredAt).length > 0 ? { occurredAt } : {}),
    };
  }

  /** One MemberDirectory lookup for all the authors of `communications`, run once and only if an author is read. */
  private authorLookup(ctx: TenantContext, communications: readonly Communication[]): AuthorLookup {
    let summaries: Promise<Map<string, MemberSummary>> | undefined;
    const userIds = communications.flatMap((c) => (c.authorUserId ? [c.authorUserId] : []));
    return async (userId) => {
      if (!userId) return null;
      summaries ??= this.members.summaries(ctx, userIds);
      return (await summaries).get(userId) ?? null;
    };
  }
}
