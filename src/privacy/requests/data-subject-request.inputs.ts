import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsBoolean, IsDate, IsEmail, IsEnum, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { ConnectionArgs } from '../../common/pagination/connection.args.js';
import { NormaliseOptionalEmail, PHONE_PATTERN, Trim, TrimToNull } from '../../common/validation/input-transforms.js';
import { DataSubjectRequestStatus, DataSubjectRequestType, IdentityVerificationMethod } from './data-subject-request.entity.js';

@InputType({
  description:
    'The corrected values; omitted fields are not part of the request, null asks for an optional field to be cleared. ' +
    'A user may correct fullName and phone; a contact firstName, lastName, title, email and phone.',
})
export class RectificationChangesInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  fullName?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  firstName?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  lastName?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(150)
  title?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @NormaliseOptionalEmail()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @Matches(PHONE_PATTERN, { message: 'phone must be a phone number' })
  phone?: string | null;
}

@InputType()
export class RequestMyDataInput {
  @Field(() => DataSubjectRequestType, { nullable: true, description: 'ACCESS (a copy to read; the default) or PORTABILITY (machine-readable files).' })
  @IsOptional()
  @IsIn([DataSubjectRequestType.ACCESS, DataSubjectRequestType.PORTABILITY], { message: 'type must be ACCESS or PORTABILITY' })
  type?: DataSubjectRequestType;
}

@InputType()
export class RequestMyRectificationInput {
  @Field(() => RectificationChangesInput)
  @ValidateNested()
  @Type(() => RectificationChangesInput)
  changes: RectificationChangesInput;
}

@InputType()
export class FilePrivacyRequestInput {
  @Field(() => ID, { description: 'The contact the request is about.' })
  @IsUUID()
  contactId: string;

  @Field(() => DataSubjectRequestType)
  @IsEnum(DataSubjectRequestType)
  type: DataSubjectRequestType;

  @Field(() => RectificationChangesInput, { nullable: true, description: 'Required for RECTIFICATION, refused otherwise.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RectificationChangesInput)
  changes?: RectificationChangesInput;

  @Field(() => String, { nullable: true, description: 'How the request reached you (e.g. "phone call to sales, 10:40").' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(1000)
  note?: string | null;
}

@InputType()
export class VerifyPrivacyRequestInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => IdentityVerificationMethod, { description: "How the person's identity was checked (SESSION is for users' own requests)." })
  @IsEnum(IdentityVerificationMethod)
  method: IdentityVerificationMethod;

  @Field({ description: 'What was checked, without copying the evidence itself (e.g. "called back on the number on file").' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  note: string;
}

@InputType()
export class RejectPrivacyRequestInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field({ description: 'Why, as it will be told to the person.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason: string;
}

@InputType()
export class RetryPrivacyRequestInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => String, { nullable: true, description: 'What was done about the last error, e.g. "restored the contact\'s client".' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(1000)
  note?: string | null;
}

@InputType()
export class CancelPrivacyRequestInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => String, { nullable: true, description: 'E.g. "withdrawn by the person on 3 May".' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(1000)
  reason?: string | null;
}

@InputType()
export class ExtendPrivacyRequestDeadlineInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => Date, {
    description: 'The new due date: later than the current one, and at most two months (GDPR) or 45 days (CCPA) after the original one.',
  })
  @IsDate()
  dueAt: Date;

  @Field({ description: 'Why more time is needed (complexity, number of requests); the person must be told.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason: string;
}

@InputType()
export class PrivacyRequestFilter {
  @Field(() => DataSubjectRequestStatus, { nullable: true })
  @IsOptional()
  @IsEnum(DataSubjectRequestStatus)
  status?: DataSubjectRequestStatus;

  @Field(() => DataSubjectRequestType, { nullable: true })
  @IsOptional()
  @IsEnum(DataSubjectRequestType)
  type?: DataSubjectRequestType;

  @Field(() => Boolean, { nullable: true, description: 'true: only open requests past their due date; false: all others.' })
  @IsOptional()
  @IsBoolean()
  overdue?: boolean;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  contactId?: string;
}

@ArgsType()
export class PrivacyRequestsArgs extends ConnectionArgs {
  @Field(() => PrivacyRequestFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => PrivacyRequestFilter)
  filter?: PrivacyRequestFilter;
}

@ArgsType()
export class PrivacyRequestIdArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;
}
