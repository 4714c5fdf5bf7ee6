import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { Ctx } from '../../common/context/current-context.decorator.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { PolicyDocumentService, PolicyDocumentType } from '../../consent/index.js';
import { MeType } from './auth.types.js';

/** Adds the policy status to `me`, so that the web app learns at once whether it must show new versions. */
@Resolver(() => MeType)
export class MePolicyResolver {
  constructor(private readonly policies: PolicyDocumentService) {}

  @ResolveField(() => Boolean, { description: 'True while a policy version in effect waits for your acceptance; other changes are refused until then.' })
  async policyAcceptanceRequired(@Ctx() ctx: RequestContext, @Parent() _me: MeType): Promise<boolean> {
    return (await this.policies.pendingForContext(ctx)).length > 0;
  }

  @ResolveField(() => [PolicyDocumentType], { description: 'The policy versions to accept (with acceptPolicy).' })
  async policiesToAccept(@Ctx() ctx: RequestContext, @Parent() _me: MeType): Promise<PolicyDocumentType[]> {
    return (await this.policies.pendingForContext(ctx)).map(PolicyDocumentType.from);
  }
}
