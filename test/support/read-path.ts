import { MikroORM } from '@mikro-orm/postgresql';
import { Permission } from '../../src/common/authorization/permission.js';
import { createApiKey, createClient, createContact, createOrder, MUG_LINE, signUpOwner, type SignedUpOwner } from './fixtures.js';
import { recordStatements } from './statement-log.js';
import type { TestServer } from './test-server.js';

/**
 * For the read path's equality suites: the same document sent to a server with the compiled read path on and to one
 * with it off (the same database); the answers must be the same JSON, keys in the same order, and the path that
 * answered on the first server the one expected: compiled (the settings and one statement, in one round trip) or the
 * resolvers (a document, a reader or arguments the read path leaves to them).
 */
export type Path = 'compiled' | 'resolvers';

export interface ReadPathTenant {
  owner: SignedUpOwner;
  /** ORDERS_READ and PII_READ. */
  partnerKey: string;
  /** ORDERS_READ without PII_READ: contacts' email and phone are masked. */
  narrowKey: string;
}

/** A tenant with every kind of row the lists show: clients (one archived), contacts, orders with lines and references, communications. */
export async function seedReadPathTenant(compiled: TestServer): Promise<ReadPathTenant> {
  const owner = await signUpOwner(compiled);
  const address = { line1: '1 Harbour St', city: 'Portland', region: 'OR', postalCode: '97201', country: 'US' };
  const clients = [
    await createClient(compiled, owner, {
      name: 'Acme Outfitters',
      tags: ['vip', 'apparel'],
      billingAddress: address,
      website: 'https://acme.example',
      ownerUserId: owner.userId,
    }),
    await createClient(compiled, owner, { name: 'Birch & Co "Quoted"', industry: 'Education' }),
  ];
  const contact = await createContact(compiled, owner, clients[0].id, { email: 'dana@acme.example', phone: '+1 503 555 0100', address });
  for (let i = 0; i < 7; i++) {
    await createOrder(compiled, owner, clients[i % 2].id, {
      contactId: i % 2 === 0 ? contact.id : undefined,
      inHandsDate: i % 3 === 0 ? '2027-03-0' + String(1 + i) : undefined,
      notes: i === 1 ? 'Line one\nline "two" \\ ünïcødé' : undefined,
      externalReferences: i === 2 ? [{ system: 'QUICKBOOKS', kind: 'ESTIMATE', value: 'E-77' }] : [],
      lines: [MUG_LINE, { ...MUG_LINE, productName: 'Tote', sku: null, quantity: 3, unitPrice: 1999 }].slice(0, 1 + (i % 2)),
    });
  }
  // More clients and contacts for their own lists: names that sort on both columns, one archived client.
  const archived = await createClient(compiled, owner, { name: 'Zephyr Archived', tags: ['apparel'] });
  await compiled.gql({ query: `mutation($id: ID!) { archiveClient(input: { id: $id }) { id } }`, variables: { id: archived.id }, token: owner.accessToken });
  for (const [firstName, lastName] of [
    ['Ada', 'Lovelace'],
    ['Alan', 'Lovelace'],
    ['Grace', 'Hopper'],
    ['Ada', 'Byron'],
  ]) {
    await createContact(compiled, owner, clients[1].id, { firstName, lastName, title: 'Buyer' });
  }
  const log = `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { id } }`;
  for (let i = 0; i < 5; i++) {
    const input = {
      clientId: clients[i % 2].id,
      contactId: i % 2 === 0 ? contact.id : undefined,
      channel: ['EMAIL', 'CALL', 'NOTE', 'MEETING', 'SMS'][i],
      direction: ['OUTBOUND', 'INBOUND', 'INTERNAL', 'OUTBOUND', 'INBOUND'][i],
      subject: i === 3 ? undefined : `Subject ${i}`,
      body: `Talked about mugs, round ${i}.`,
      occurredAt: new Date(Date.UTC(2026, 10, 1 + i, 9, 30, 0, 123)).toISOString(),
    };
    const answer = await compiled.gql({ query: log, variables: { input }, token: owner.accessToken });
    if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
  }
  const partnerKey = (await createApiKey(compiled, owner, [Permission.ORDERS_READ, Permission.PII_READ])).secret;
  const narrowKey = (await createApiKey(compiled, owner, [Permission.ORDERS_READ])).secret;
  return { owner, partnerKey, narrowKey };
}

export function sameAnswerOn(compiled: TestServer, resolvers: TestServer) {
  return async function sameAnswer(
    path: Path,
    query: string,
    variables: Record<string, unknown>,
    token: string,
  ): Promise<{ data?: unknown; errors?: unknown[] }> {
    // Warm the credential caches, so that the statements recorded are the operation's own.
    await compiled.gql({ query, variables, token });
    const { result, statements } = await recordStatements(compiled.app.get(MikroORM), () => compiled.gql({ query, variables, token }));
    const expected = await resolvers.gql({ query, variables, token });
    expect(result.status).toBe(expected.status);
    // The same values with the keys in the same order.
    expect(JSON.stringify(result.body)).toBe(JSON.stringify(expected.body));
    // A user's token is checked against its session first (statements of its own); the operation's follow.
    const page = statements.findIndex((statement) => statement.startsWith('with page as materialized'));
    const answeredBy: Path =
      page > 0 && statements[page - 1].startsWith("select set_config('role'") && page === statements.length - 1 ? 'compiled' : 'resolvers';
    expect(answeredBy).toBe(path);
    return result.body;
  };
}
