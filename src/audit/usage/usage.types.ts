import { Field, Float, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('UsageRecorded')
export class UsageRecordedType {
  @Field({ description: 'False when the user does not consent to ANALYTICS: nothing was stored.' })
  recorded: boolean;
  @Field(() => Int) storedEvents: number;
}

@ObjectType('UsageCount')
export class UsageCountType {
  @Field() name: string;
  @Field(() => Int) count: number;
}

@ObjectType('OperationCount')
export class OperationCountType {
  @Field({ description: 'query or mutation.' }) operationType: string;
  @Field({ description: 'The root field, e.g. `orders` or `createClient`.' }) fieldName: string;
  @Field(() => Int) count: number;
}

@ObjectType('UsageSummary', {
  description: 'How the tenant used PromoX in a period. Page, feature and session figures come only from users who consent to ANALYTICS.',
})
export class UsageSummaryType {
  @Field() from: Date;
  @Field() to: Date;
  @Field(() => Int, { description: 'Users with at least one usage event.' }) activeUsers: number;
  @Field(() => Int, { description: 'Sessions started.' }) sessions: number;
  @Field(() => Float, { nullable: true, description: 'Median duration of the sessions that ended, in seconds.' })
  medianSessionSeconds: number | null;
  @Field(() => [UsageCountType], { description: 'The ten features used most.' }) topFeatures: UsageCountType[];
  @Field(() => [UsageCountType], { description: 'The ten pages viewed most.' }) topPages: UsageCountType[];
  @Field(() => [OperationCountType], { description: 'The twenty API operations called most (every request, no consent needed: no user is named).' })
  topOperations: OperationCountType[];
}
