import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import DataLoader from 'dataloader';
import { Ctx } from '../../common/context/current-context.decorator.js';
import { asTenantContext, type RequestContext } from '../../common/context/request-context.js';
import { ClientType } from '../clients/index.js';
import { CLIENT_CONTACTS_LIMIT, ClientContactsReader } from './client-contacts.reader.js';
import { ContactType } from './contact.types.js';

/**
 * Adds `contacts` to Client: clients know nothing of contacts, contacts extend their type. The contacts of every
 * client in a response are read together (one statement per page), and only if the field is selected.
 */
@Resolver(() => ClientType)
export class ClientContactsResolver {
  /** One batching loader per GraphQL request, keyed by its context object; no caching, so a mutation sees its writes. */
  private readonly loaders = new WeakMap<object, DataLoader<string, ContactType[]>>();

  constructor(private readonly reader: ClientContactsReader) {}

  @ResolveField(() => [ContactType], {
    description:
      `The client's contacts by name (last, first), at most ${CLIENT_CONTACTS_LIMIT}; ` + 'page through all of them with contacts(filter: { clientId }).',
  })
  contacts(@Ctx() ctx: RequestContext, @Context() request: object, @Parent() client: ClientType): Promise<ContactType[]> {
    let loader = this.loaders.get(request);
    if (!loader) {
      loader = new DataLoader(
        async (clientIds: readonly string[]) => {
          // A client is only ever shown inside a tenant operation, which the access guard granted a tenant.
          const byClient = await this.reader.firstContactsOf(asTenantContext(ctx), clientIds);
          return clientIds.map((id) => byClient.get(id) ?? []);
        },
        { cache: false },
      );
      this.loaders.set(request, loader);
    }
    return loader.load(client.id);
  }
}
