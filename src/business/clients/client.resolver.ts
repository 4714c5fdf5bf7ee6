import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { TenantCtx } from '../../common/context/current-context.decorator.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { ClientIdArgs, ClientIdInput, ClientsArgs, CreateClientInput, UpdateClientInput } from './client.inputs.js';
import { ClientService } from './client.service.js';
import { ClientConnection, ClientType } from './client.types.js';
import type { Page } from '../../common/pagination/connection.types.js';

const READ = [Permission.CLIENTS_READ];
const WRITE = [Permission.CLIENTS_WRITE];

@Resolver(() => ClientType)
export class ClientResolver {
  constructor(private readonly service: ClientService) {}

  @RequirePermissions(READ)
  @Query(() => ClientType, { description: 'A client of the active tenant. Requires CLIENTS_READ.' })
  client(@TenantCtx() ctx: TenantContext, @Args() args: ClientIdArgs): Promise<ClientType> {
    return this.service.get(ctx, args.id);
  }

  @RequirePermissions(READ)
  @Query(() => ClientConnection, {
    description: "The active tenant's clients: active ones unless filter.archived says otherwise; newest first by default. Requires CLIENTS_READ.",
  })
  clients(@TenantCtx() ctx: TenantContext, @Args() args: ClientsArgs): Promise<Page<ClientType>> {
    return this.service.list(ctx, args);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => ClientType, { description: 'Requires CLIENTS_WRITE. The owner must be a member of the tenant.' })
  createClient(@TenantCtx() ctx: TenantContext, @Args('input') input: CreateClientInput): Promise<ClientType> {
    return this.service.create(ctx, input);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => ClientType, { description: 'Requires CLIENTS_WRITE. Changes only the fields given.' })
  updateClient(@TenantCtx() ctx: TenantContext, @Args('input') input: UpdateClientInput): Promise<ClientType> {
    return this.service.update(ctx, input);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => ClientType, { description: 'Requires CLIENTS_WRITE. Hides the client from lists by default; nothing is deleted.' })
  archiveClient(@TenantCtx() ctx: TenantContext, @Args('input') input: ClientIdInput): Promise<ClientType> {
    return this.service.archive(ctx, input.id);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => ClientType, { description: 'Requires CLIENTS_WRITE.' })
  unarchiveClient(@TenantCtx() ctx: TenantContext, @Args('input') input: ClientIdInput): Promise<ClientType> {
    return this.service.unarchive(ctx, input.id);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => ClientType, {
    description:
      'Requires CLIENTS_WRITE. Deletes the client with its contacts and communications; refused with CONFLICT while ' +
      'any order refers to it or to one of its contacts (archive it instead). Returns the deleted client.',
  })
  deleteClient(@TenantCtx() ctx: TenantContext, @Args('input') input: ClientIdInput): Promise<ClientType> {
    return this.service.delete(ctx, input.id);
  }
}
