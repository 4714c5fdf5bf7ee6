import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Public, RequirePlatformRole, SignedInUser } from '../../common/authorization/access.decorators.js';
import { PlatformRole } from '../../common/authorization/platform-role.js';
import { AllowedBeforePolicyAcceptance } from '../../common/authorization/policy-acceptance.js';
import { Ctx } from '../../common/context/current-context.decorator.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { AcceptPolicyInput, PolicyDocumentArgs, PolicyDocumentsArgs, PublishPolicyInput } from './policy-document.inputs.js';
import { PolicyDocumentService } from './policy-document.service.js';
import { PolicyAcceptanceType, PolicyDocumentType } from './policy-document.types.js';

@Resolver()
export class PolicyDocumentResolver {
  constructor(private readonly policies: PolicyDocumentService) {}

  @Public()
  @Query(() => [PolicyDocumentType], { description: 'The policy versions in effect now, and those published to take effect later.' })
  async policyDocuments(@Args() args: PolicyDocumentsArgs): Promise<PolicyDocumentType[]> {
    return (await this.policies.published(args.kind)).map(PolicyDocumentType.from);
  }

  @Public()
  @Query(() => PolicyDocumentType, { description: 'Any version of a policy document, including superseded ones.' })
  async policyDocument(@Args() args: PolicyDocumentArgs): Promise<PolicyDocumentType> {
    return PolicyDocumentType.from(await this.policies.version(args.kind, args.version));
  }

  @RequirePlatformRole(PlatformRole.PLATFORM_ADMIN)
  @Mutation(() => PolicyDocumentType, {
    description: 'Publish the next version of a policy. From its effective date every user must accept it again. For platform admins.',
  })
  async publishPolicy(@Ctx() ctx: RequestContext, @Args('input') input: PublishPolicyInput): Promise<PolicyDocumentType> {
    return PolicyDocumentType.from(await this.policies.publish(ctx, input));
  }

  @SignedInUser()
  @AllowedBeforePolicyAcceptance()
  @Mutation(() => [PolicyAcceptanceType], { description: 'Accept policy versions (me.policiesToAccept). Records the time, IP and user agent.' })
  async acceptPolicy(@Ctx() ctx: RequestContext, @Args('input') input: AcceptPolicyInput): Promise<PolicyAcceptanceType[]> {
    return this.policies.acceptanceTypes(await this.policies.accept(ctx, input.policyDocumentIds));
  }

  @SignedInUser()
  @Query(() => [PolicyAcceptanceType], { description: 'Every policy version you accepted, newest first.' })
  async myPolicyAcceptances(@Ctx() ctx: RequestContext): Promise<PolicyAcceptanceType[]> {
    return this.policies.acceptanceTypes(await this.policies.acceptancesOf(ctx));
  }
}
