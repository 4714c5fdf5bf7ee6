import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { TenantCtx } from '../../common/context/current-context.decorator.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { CreateApiKeyInput, RevokeApiKeyInput } from './api-key.inputs.js';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeyCreated, ApiKeyType } from './api-key.types.js';

const MANAGE = [Permission.API_KEYS_MANAGE];

@Resolver(() => ApiKeyType)
export class ApiKeyResolver {
  constructor(private readonly service: ApiKeyService) {}

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Query(() => [ApiKeyType], { description: "The active tenant's API keys, newest first. Requires API_KEYS_MANAGE." })
  apiKeys(@TenantCtx() ctx: TenantContext): Promise<ApiKeyType[]> {
    return this.service.list(ctx);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => ApiKeyCreated, { description: 'Requires API_KEYS_MANAGE. The secret is returned once.' })
  createApiKey(@TenantCtx() ctx: TenantContext, @Args('input') input: CreateApiKeyInput): Promise<ApiKeyCreated> {
    return this.service.create(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => ApiKeyType, { description: 'Requires API_KEYS_MANAGE. The key stops working at once.' })
  revokeApiKey(@TenantCtx() ctx: TenantContext, @Args('input') input: RevokeApiKeyInput): Promise<ApiKeyType> {
    return this.service.revoke(ctx, input.id);
  }
}
