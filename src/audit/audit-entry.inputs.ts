import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsDate, IsEnum, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { ConnectionArgs } from '../common/pagination/connection.args.js';
import { AuditActorType, AuditResult } from './audit-entry.entity.js';

@InputType()
export class AuditEntryFilter {
  @Field(() => AuditActorType, { nullable: true })
  @IsOptional()
  @IsEnum(AuditActorType)
  actorType?: AuditActorType;

  @Field(() => ID, { nullable: true, description: 'Entries by this user.' })
  @IsOptional()
  @IsUUID()
  actorUserId?: string;

  @Field(() => ID, { nullable: true, description: 'Entries by this API key.' })
  @IsOptional()
  @IsUUID()
  actorApiKeyId?: string;

  @Field(() => String, { nullable: true, description: 'Exact action, e.g. `createOrder` or `auth.signIn`.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @Field(() => String, { nullable: true, description: 'Exact target type, e.g. `Order`.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  targetType?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  targetId?: string;

  @Field(() => AuditResult, { nullable: true })
  @IsOptional()
  @IsEnum(AuditResult)
  result?: AuditResult;

  @Field(() => Date, { nullable: true, description: 'At or after this time.' })
  @IsOptional()
  @IsDate()
  from?: Date;

  @Field(() => Date, { nullable: true, description: 'Strictly before this time.' })
  @IsOptional()
  @IsDate()
  to?: Date;
}

@ArgsType()
export class AuditEntriesArgs extends ConnectionArgs {
  @Field(() => AuditEntryFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuditEntryFilter)
  filter?: AuditEntryFilter;
}
