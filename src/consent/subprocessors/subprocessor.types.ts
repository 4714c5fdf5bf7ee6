import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('Subprocessor', { description: 'A service provider that processes personal data for PromoX.' })
export class SubprocessorType {
  @Field() name: string;
  @Field({ description: 'What it does for PromoX, e.g. hosting, billing, email.' }) purpose: string;
  @Field({ description: 'Which personal data it processes.' }) dataProcessed: string;
  @Field({ description: 'Where the data is processed.' }) location: string;
  @Field({ description: 'Its privacy and data-protection information.' }) website: string;
}
