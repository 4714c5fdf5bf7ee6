import { Injectable } from '@nestjs/common';
import { ForeignKeyConstraintViolationException, LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { MemberDirectory, type MemberSummary } from '../../accounts/index.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { badInput, conflict, notFound } from '../../common/errors/app-errors.js';
import { toPage } from '../../common/pagination/keyset.js';
import { ClientDeletionChecks } from './client-deletion.js';
import { clientPageQuery } from './client-page.sql.js';
import { clientRecordFromRow, type ClientRow } from './client.rows.js';
import { pageCount, pageRows } from '../../database/read-model/page-rows.js';
import { Client } from './client.entity.js';
import type { ClientsArgs, CreateClientInput, UpdateClientInput } from './client.inputs.js';
import { ClientType, type ClientRecord } from './client.types.js';
import type { Page } from '../../common/pagination/connection.types.js';
import { once } from '../../common/graphql/deferred-field.js';
import { postalAddressFrom } from '../../common/address/postal-address.js';

@Injectable()
export class ClientService {
  constructor(
    private readonly em: EntityManager,
    private readonly members: MemberDirectory,
    private readonly deletionChecks: ClientDeletionChecks,
  ) {}

  /** The tenant's client with this id, or NOT_FOUND (also for another tenant's id). For other business modules. */
  async require(ctx: TenantContext, id: string, options: { lock?: boolean } = {}): Promise<Client> {
    const client = await this.em.findOne(Client, { id, tenantId: ctx.tenantId }, options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!client) throw notFound('Client');
    return client;
  }

  /**
   * GraphQL views of clients. `owner` is computed only if selected, with one query for all of `clients` together
   * (never per client). Other modules showing clients (e.g. on orders) should use this.
   */
  present(ctx: TenantContext, clients: readonly ClientRecord[]): ClientType[] {
    const owners = once(() => this.ownersOf(ctx, clients));
    return clients.map((client) => ClientType.from(client, async () => (client.ownerUserId ? ((await owners()).get(client.ownerUserId) ?? null) : null)));
  }

  async get(ctx: TenantContext, id: string): Promise<ClientType> {
    return this.present(ctx, [await this.require(ctx, id)])[0];
  }

  /** A page of clients, as the read path plans it (clientPageQuery), so that both list the same rows. */
  async list(ctx: TenantContext, args: ClientsArgs): Promise<Page<ClientType>> {
    const page = clientPageQuery(ctx, args);
    const rows = await pageRows<ClientRow>(this.em, page);
    const parseDate = (value: string) => this.em.getPlatform().parseDate(value);
    const records = rows.slice(0, page.request.limit).map((row) => clientRecordFromRow(row, parseDate));
    const nodes = new Map(this.present(ctx, records).map((node) => [node.id, node]));
    return toPage(
      page.request,
      rows,
      (row) => ({ key: row.sort_key, id: row.id }),
      (row) => nodes.get(row.id) as ClientType,
      () => pageCount(this.em, page),
    );
  }

  async create(ctx: TenantContext, input: CreateClientInput): Promise<ClientType> {
    if (input.ownerUserId) await this.assertMember(ctx, input.ownerUserId);
    const client = this.em.create(Client, {
      name: input.name,
      website: input.website ?? undefined,
      industry: input.industry ?? undefined,
      tags: input.tags ?? [],
      ownerUserId: input.ownerUserId ?? undefined,
      billingAddress: postalAddressFrom(input.billingAddress),
      shippingAddress: postalAddressFrom(input.shippingAddress),
      notes: input.notes ?? undefined,
    });
    await this.em.flush();
    return this.present(ctx, [client])[0];
  }

  async update(ctx: TenantContext, input: UpdateClientInput): Promise<ClientType> {
    const client = await this.require(ctx, input.id);
    if (input.ownerUserId) await this.assertMember(ctx, input.ownerUserId);
    if (input.name !== undefined) client.name = input.name;
    if (input.website !== undefined) client.website = input.website ?? undefined;
    if (input.industry !== undefined) client.industry = input.industry ?? undefined;
    if (input.tags !== undefined) client.tags = input.tags;
    if (input.ownerUserId !== undefined) client.ownerUserId = input.ownerUserId ?? undefined;
    if (input.billingAddress !== undefined) client.billingAddress = postalAddressFrom(input.billingAddress);
    if (input.shippingAddress !== undefined) client.shippingAddress = postalAddressFrom(input.shippingAddress);
    if (input.notes !== undefined) client.notes = input.notes ?? undefined;
    await this.em.flush();
    return this.present(ctx, [client])[0];
  }

  async archive(ctx: TenantContext, id: string): Promise<ClientType> {
    const client = await this.require(ctx, id);
    client.archivedAt ??= new Date();
    await this.em.flush();
    return this.present(ctx, [client])[0];
  }

  async unarchive(ctx: TenantContext, id: string): Promise<ClientType> {
    const client = await this.require(ctx, id);
    client.archivedAt = undefined;
    await this.em.flush();
    return this.present(ctx, [client])[0];
  }

  /**
   * Deletes the client with its contacts and communications (foreign keys cascade). Refused while the registered
   * checks say something refers to the client or one of its contacts (orders: business records that must keep their
   * client). The row lock makes an order created at the same moment wait for this decision rather than slip in
   * between check and delete.
   */
  async delete(ctx: TenantContext, id: string): Promise<ClientType> {
    const client = await this.require(ctx, id, { lock: true });
    await this.deletionChecks.assertDeletable(ctx, client.id);
    const [deleted] = this.present(ctx, [client]);
    this.em.remove(client);
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof ForeignKeyConstraintViolationException) throw conflict('The client is referenced by an order.');
      throw error;
    }
    return deleted;
  }

  private async assertMember(ctx: TenantContext, userId: string): Promise<void> {
    if (await this.members.isMember(ctx, userId)) return;
    throw badInput('ownerUserId must be a member of this tenant.', {
      fields: [{ field: 'ownerUserId', problems: ['ownerUserId must be a member of this tenant'] }],
    });
  }

  private async ownersOf(ctx: TenantContext, clients: readonly ClientRecord[]): Promise<Map<string, MemberSummary>> {
    const ids = clients.flatMap((client) => (client.ownerUserId ? [client.ownerUserId] : []));
    return this.members.summaries(ctx, ids);
  }
}
