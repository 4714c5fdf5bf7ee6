import { ArgsType, Field, ID, InputType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsBoolean, IsDate, IsEnum, IsNotEmpty, IsOptional, IsString, IsUUID, MaxDate, MaxLength, MinDate, ValidateNested } from 'class-validator';
import { ConnectionArgs } from '../../common/pagination/connection.args.js';
import { IfPresent, Trim, TrimToNull } from '../../common/validation/input-transforms.js';
import { SortDirection } from '../../common/pagination/sort-direction.js';
import { CommunicationChannel, CommunicationDirection } from './communication.entity.js';

export const MAX_SUBJECT_LENGTH = 300;
export const MAX_BODY_LENGTH = 50_000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Older than any real message, and well inside PostgreSQL's timestamptz range (a far-past Date would fail there). */
const EARLIEST_OCCURRED_AT = new Date('1900-01-01T00:00:00Z');

const NotFarFuture = () => MaxDate(() => new Date(Date.now() + DAY_MS), { message: 'occurredAt must not be more than a day in the future' });
const NotAncient = () => MinDate(EARLIEST_OCCURRED_AT, { message: 'occurredAt must not be before 1900' });

@InputType()
export class LogCommunicationInput {
  @Field(() => ID, { description: 'A client of the active tenant.' })
  @IsUUID()
  clientId: string;

  @Field(() => ID, { nullable: true, description: "One of the client's contacts." })
  @IsOptional()
  @IsUUID()
  contactId?: string | null;

  @Field(() => CommunicationChannel)
  @IsEnum(CommunicationChannel)
  channel: CommunicationChannel;

  @Field(() => CommunicationDirection)
  @IsEnum(CommunicationDirection)
  direction: CommunicationDirection;

  @Field(() => String, { nullable: true, description: `At most ${MAX_SUBJECT_LENGTH} characters.` })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(MAX_SUBJECT_LENGTH)
  subject?: string | null;

  @Field({ description: `1–${MAX_BODY_LENGTH.toLocaleString('en')} characters.` })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_BODY_LENGTH)
  body: string;

  @Field({ description: 'When it happened; at most a day in the future.' })
  @IsDate()
  @NotFarFuture()
  @NotAncient()
  occurredAt: Date;

  @Field({ nullable: true, description: 'A marketing message rather than service; default false.' })
  @IsOptional()
  @IsBoolean()
  marketing?: boolean;
}

@InputType({ description: 'Fields to change; omitted fields stay as they are, null clears an optional field. The client cannot change.' })
export class UpdateCommunicationInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => ID, { nullable: true, description: "One of the communication's client's contacts, or null for none." })
  @IsOptional()
  @IsUUID()
  contactId?: string | null;

  @Field(() => CommunicationChannel, { nullable: true })
  @IfPresent()
  @IsEnum(CommunicationChannel)
  channel?: CommunicationChannel;

  @Field(() => CommunicationDirection, { nullable: true })
  @IfPresent()
  @IsEnum(CommunicationDirection)
  direction?: CommunicationDirection;

  @Field(() => String, { nullable: true, description: `At most ${MAX_SUBJECT_LENGTH} characters; null clears it.` })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(MAX_SUBJECT_LENGTH)
  subject?: string | null;

  @Field(() => String, { nullable: true, description: `1–${MAX_BODY_LENGTH.toLocaleString('en')} characters; cannot be cleared.` })
  @IfPresent()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_BODY_LENGTH)
  body?: string;

  @Field(() => Date, { nullable: true, description: 'At most a day in the future.' })
  @IfPresent()
  @IsDate()
  @NotFarFuture()
  @NotAncient()
  occurredAt?: Date;

  @Field(() => Boolean, { nullable: true })
  @IfPresent()
  @IsBoolean()
  marketing?: boolean;
}

@InputType()
export class CommunicationIdInput {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@ArgsType()
export class CommunicationIdArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@InputType()
export class CommunicationFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  clientId?: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  contactId?: string;

  @Field(() => CommunicationChannel, { nullable: true })
  @IsOptional()
  @IsEnum(CommunicationChannel)
  channel?: CommunicationChannel;

  @Field(() => CommunicationDirection, { nullable: true })
  @IsOptional()
  @IsEnum(CommunicationDirection)
  direction?: CommunicationDirection;

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  @IsBoolean()
  marketing?: boolean;

  @Field(() => Date, { nullable: true, description: 'Occurred at or after this time.' })
  @IsOptional()
  @IsDate()
  occurredAfter?: Date;

  @Field(() => Date, { nullable: true, description: 'Occurred strictly before this time.' })
  @IsOptional()
  @IsDate()
  occurredBefore?: Date;
}

export enum CommunicationSortField {
  OCCURRED_AT = 'OCCURRED_AT',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(CommunicationSortField, { name: 'CommunicationSortField' });

@InputType()
export class CommunicationSort {
  @Field(() => CommunicationSortField, { nullable: true, description: 'Default OCCURRED_AT.' })
  @IsOptional()
  @IsEnum(CommunicationSortField)
  field?: CommunicationSortField;

  @Field(() => SortDirection, { nullable: true, description: 'Default DESC (newest first).' })
  @IsOptional()
  @IsEnum(SortDirection)
  direction?: SortDirection;
}

@ArgsType()
export class CommunicationsArgs extends ConnectionArgs {
  @Field(() => CommunicationFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CommunicationFilter)
  filter?: CommunicationFilter;

  @Field(() => CommunicationSort, { nullable: true, description: 'Default: most recent first (OCCURRED_AT DESC).' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CommunicationSort)
  sort?: CommunicationSort;
}
