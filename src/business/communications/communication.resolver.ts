import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { TenantCtx } from '../../common/context/current-context.decorator.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { CommunicationIdArgs, CommunicationIdInput, CommunicationsArgs, LogCommunicationInput, UpdateCommunicationInput } from './communication.inputs.js';
import { CommunicationService } from './communication.service.js';
import { CommunicationConnection, CommunicationType } from './communication.types.js';
import type { Page } from '../../common/pagination/connection.types.js';

const READ = [Permission.CLIENTS_READ];
const WRITE = [Permission.CLIENTS_WRITE];

@Resolver(() => CommunicationType)
export class CommunicationResolver {
  constructor(private readonly service: CommunicationService) {}

  @RequirePermissions(READ)
  @Query(() => CommunicationType, { description: 'One communication of the active tenant. Requires CLIENTS_READ.' })
  communication(@TenantCtx() ctx: TenantContext, @Args() args: CommunicationIdArgs): Promise<CommunicationType> {
    return this.service.get(ctx, args.id);
  }

  @RequirePermissions(READ)
  @Query(() => CommunicationConnection, { description: "The active tenant's communications. Requires CLIENTS_READ." })
  communications(@TenantCtx() ctx: TenantContext, @Args() args: CommunicationsArgs): Promise<Page<CommunicationType>> {
    return this.service.list(ctx, args);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => CommunicationType, {
    description: 'Records a communication with a client (and optionally one of its contacts). Requires CLIENTS_WRITE.',
  })
  logCommunication(@TenantCtx() ctx: TenantContext, @Args('input') input: LogCommunicationInput): Promise<CommunicationType> {
    return this.service.log(ctx, input);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => CommunicationType, { description: 'Requires CLIENTS_WRITE.' })
  updateCommunication(@TenantCtx() ctx: TenantContext, @Args('input') input: UpdateCommunicationInput): Promise<CommunicationType> {
    return this.service.update(ctx, input);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => CommunicationType, { description: 'Requires CLIENTS_WRITE. Returns the deleted communication.' })
  deleteCommunication(@TenantCtx() ctx: TenantContext, @Args('input') input: CommunicationIdInput): Promise<CommunicationType> {
    return this.service.delete(ctx, input.id);
  }
}
