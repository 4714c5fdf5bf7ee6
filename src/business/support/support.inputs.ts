import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsEnum, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { ConnectionArgs } from '../../common/pagination/connection.args.js';
import { Trim } from '../../common/validation/input-transforms.js';
import { SupportRequestStatus } from './support-request.entity.js';

export const MAX_SUBJECT_LENGTH = 200;
export const MAX_BODY_LENGTH = 20_000;

/** PostgreSQL text cannot hold NUL characters; refuse them here rather than fail in the database. */

const BODY_DESCRIPTION = `1–${MAX_BODY_LENGTH.toLocaleString('en')} characters.`;

@InputType()
export class CreateSupportRequestInput {
  @Field({ description: `1–${MAX_SUBJECT_LENGTH} characters.` })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_SUBJECT_LENGTH)
  subject: string;

  @Field({ description: BODY_DESCRIPTION })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_BODY_LENGTH)
  body: string;
}

@InputType()
export class ReplyToSupportRequestInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field({ description: BODY_DESCRIPTION })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_BODY_LENGTH)
  body: string;
}

/** A staff answer carries the same fields as a member's reply. */
@InputType()
export class AnswerSupportRequestInput extends ReplyToSupportRequestInput {}

@InputType()
export class SupportRequestIdInput {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@ArgsType()
export class SupportRequestIdArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@InputType()
export class SupportRequestFilter {
  @Field(() => SupportRequestStatus, { nullable: true })
  @IsOptional()
  @IsEnum(SupportRequestStatus)
  status?: SupportRequestStatus;
}

@ArgsType()
export class SupportRequestsArgs extends ConnectionArgs {
  @Field(() => SupportRequestFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => SupportRequestFilter)
  filter?: SupportRequestFilter;
}
