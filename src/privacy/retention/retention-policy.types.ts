import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { RetentionDataKind, type RetentionPolicy } from '../../common/privacy/personal-data.js';

registerEnumType(RetentionDataKind, { name: 'RetentionDataKind', description: 'A kind of data with a promised retention period.' });

@ObjectType('RetentionPolicy', { description: 'How long one kind of data is kept, and what happens to it then.' })
export class RetentionPolicyType {
  @Field(() => RetentionDataKind) kind: RetentionDataKind;
  @Field() description: string;
  @Field(() => Int, { nullable: true, description: 'The period in days, when it is a fixed number of days on this deployment.' })
  days: number | null;
  @Field({ description: 'The period in words.' }) period: string;
  @Field({ description: 'Where the period is set: an environment variable, a tenant setting, or fixed.' }) configuredBy: string;
  @Field({ description: 'What happens when the period ends.' }) then: string;

  static from(this: void, policy: RetentionPolicy): RetentionPolicyType {
    return Object.assign(new RetentionPolicyType(), policy);
  }
}
