import { Field, ID, InputType } from '@nestjs/graphql';
import { IsBoolean, IsEmail, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { PASSWORD_MAX_LENGTH } from './password.service.js';
import { NormaliseEmail, PHONE_PATTERN, Trim } from '../../common/validation/input-transforms.js';
import { IsVisitorId, VISITOR_ID_DESCRIPTION } from '../../consent/index.js';

const LINK_VISITOR = `${VISITOR_ID_DESCRIPTION} The visitor's cookie-banner choices are copied to the account.`;

@InputType()
export class SignUpInput {
  @Field({ description: 'The distributor company to create.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  companyName: string;

  @Field()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  fullName: string;

  @Field()
  @NormaliseEmail()
  @IsEmail()
  @MaxLength(254)
  email: string;

  @Field({ description: 'At least 10 characters; not a common password, nor your name or email.' })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Trim()
  @Matches(PHONE_PATTERN, { message: 'phone must be a phone number' })
  phone?: string;

  @Field({ description: 'Must be true: PromoX is not for people under 16. The confirmation time is recorded.' })
  @IsBoolean()
  confirmAge16OrOlder: boolean;

  @Field(() => String, { nullable: true, description: LINK_VISITOR })
  @IsOptional()
  @IsVisitorId()
  visitorId?: string;
}

@InputType()
export class LogInInput {
  @Field()
  @NormaliseEmail()
  @IsEmail()
  @MaxLength(254)
  email: string;

  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  @Field(() => ID, { nullable: true, description: 'Tenant to act in; defaults to the oldest membership.' })
  @IsOptional()
  @IsUUID()
  tenantId?: string;

  @Field(() => String, { nullable: true, description: LINK_VISITOR })
  @IsOptional()
  @IsVisitorId()
  visitorId?: string;
}

@InputType()
export class RefreshSessionInput {
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  refreshToken: string;
}

@InputType()
export class SwitchTenantInput {
  @Field(() => ID)
  @IsUUID()
  tenantId: string;
}

@InputType({ description: 'Account details for an invitee who has no PromoX account yet.' })
export class NewAccountInput {
  @Field()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  fullName: string;

  @Field()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Trim()
  @Matches(PHONE_PATTERN, { message: 'phone must be a phone number' })
  phone?: string;

  @Field()
  @IsBoolean()
  confirmAge16OrOlder: boolean;
}

@InputType()
export class AcceptInvitationInput {
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token: string;

  @Field(() => NewAccountInput, {
    nullable: true,
    description: 'Required when not signed in and the invited email has no account; omit when signed in.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => NewAccountInput)
  newAccount?: NewAccountInput;
}
