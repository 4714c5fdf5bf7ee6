import { Query, Resolver } from '@nestjs/graphql';
import { Public } from '../../common/authorization/access.decorators.js';
import { PersonalDataRegistry } from '../personal-data/personal-data.registry.js';
import { RetentionPolicyType } from './retention-policy.types.js';

@Resolver(() => RetentionPolicyType)
export class RetentionPolicyResolver {
  constructor(private readonly registry: PersonalDataRegistry) {}

  // Public, like the privacy policy that promises these periods.
  @Public()
  @Query(() => [RetentionPolicyType], {
    description: 'How long each kind of data is kept on this deployment and what happens then, as declared by the modules that keep it.',
  })
  retentionPolicies(): RetentionPolicyType[] {
    return this.registry.retentionPolicies().map(RetentionPolicyType.from);
  }
}
