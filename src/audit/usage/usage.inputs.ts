import { ArgsType, Field, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsDate,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { UsageEventKind } from './usage-event.entity.js';

export const MAX_USAGE_EVENTS = 50;

@InputType()
export class UsageEventInput {
  @Field(() => UsageEventKind)
  @IsEnum(UsageEventKind)
  kind: UsageEventKind;

  @Field({ description: "The page's route (e.g. `/orders/:id`) or the feature's name (e.g. `order.duplicate`). No query strings or ids." })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/^[^?#]*$/, { message: 'name must not contain a query string or fragment' })
  name: string;

  @Field({ description: "The client's own session id, the same for the start, the pages and the end of one session." })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  sessionId: string;

  @Field(() => Int, { nullable: true, description: 'SESSION_END only: how long the session lasted, in milliseconds.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600 * 1000)
  durationMs?: number;

  @Field({ description: 'When it happened on the client; must lie within the last 24 hours.' })
  @IsDate()
  occurredAt: Date;
}

@InputType()
export class RecordUsageInput {
  @Field(() => [UsageEventInput], { description: `1–${MAX_USAGE_EVENTS} events, batched by the client.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_USAGE_EVENTS)
  @ValidateNested({ each: true })
  @Type(() => UsageEventInput)
  events: UsageEventInput[];
}

@ArgsType()
export class UsageSummaryArgs {
  @Field({ description: 'From this time (inclusive).' })
  @IsDate()
  from: Date;

  @Field({ description: 'Up to this time (exclusive); at most 366 days after `from`.' })
  @IsDate()
  to: Date;
}
