import { ArgsType, Field, Int } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Relay connection arguments: `first`/`after` pages forward, `last`/`before` backward. */
@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: `Page size going forward (1–${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}).` })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field(() => String, { nullable: true, description: 'Return items after this cursor.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  after?: string;

  @Field(() => Int, { nullable: true, description: `Page size going backward (1–${MAX_PAGE_SIZE}).` })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  last?: number;

  @Field(() => String, { nullable: true, description: 'Return items before this cursor.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  before?: string;
}
