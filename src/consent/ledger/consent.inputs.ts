import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsEnum, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { Trim } from '../../common/validation/input-transforms.js';
import { ConsentPurpose, ConsentSource, ConsentStatus, PolicyKind } from '../purposes/consent-purpose.js';

/** A visitor id is the cookie banner's random id: long enough not to be guessed, URL-safe (a UUID fits). */
export const VISITOR_ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;
export const VISITOR_ID_DESCRIPTION = "The cookie banner's random visitor id, kept in a cookie: 22–64 characters of A–Z, a–z, 0–9, - and _ (a UUID fits).";

export const IsVisitorId = () => Matches(VISITOR_ID_PATTERN, { message: 'visitorId must be 22–64 characters of A-Z, a-z, 0-9, - and _' });

@InputType()
export class ConsentChoiceInput {
  @Field(() => ConsentPurpose, { description: 'Any purpose but ESSENTIAL, which is always on.' })
  @IsEnum(ConsentPurpose)
  purpose: ConsentPurpose;

  @Field(() => ConsentStatus)
  @IsEnum(ConsentStatus)
  status: ConsentStatus;
}

@InputType({ description: 'The version of a policy document that was shown when the choice was made.' })
export class PolicyVersionInput {
  @Field(() => PolicyKind)
  @IsEnum(PolicyKind)
  kind: PolicyKind;

  @Field(() => Int)
  @IsInt()
  @Min(1)
  version: number;
}

const CHOICES = 'One to four choices, one per purpose. Granting and withdrawing are the same call.';
const POLICY_VERSIONS = 'The policy versions shown, when not the ones in effect now. Each purpose is explained in one kind of document (see consentPurposes).';

@InputType({ isAbstract: true })
abstract class ConsentChoicesInput {
  @Field(() => [ConsentChoiceInput], { description: CHOICES })
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => ConsentChoiceInput)
  choices: ConsentChoiceInput[];

  @Field(() => [PolicyVersionInput], { nullable: true, description: POLICY_VERSIONS })
  @IsOptional()
  @ArrayMaxSize(3)
  @ValidateNested({ each: true })
  @Type(() => PolicyVersionInput)
  policyVersions?: PolicyVersionInput[];
}

export const USER_SOURCES = [ConsentSource.ACCOUNT_SETTINGS, ConsentSource.COOKIE_BANNER, ConsentSource.SIGN_UP] as const;
export const CONTACT_SOURCES = [ConsentSource.API, ConsentSource.DATA_SUBJECT_REQUEST, ConsentSource.SIGN_UP] as const;

@InputType()
export class RecordMyConsentInput extends ConsentChoicesInput {
  @Field(() => ConsentSource, { nullable: true, description: 'ACCOUNT_SETTINGS (the default), COOKIE_BANNER or SIGN_UP.' })
  @IsOptional()
  @IsIn(USER_SOURCES, { message: `source must be one of ${USER_SOURCES.join(', ')}` })
  source?: ConsentSource;
}

@InputType()
export class RecordContactConsentInput extends ConsentChoicesInput {
  @Field(() => ID, { description: 'A contact of the active tenant.' })
  @IsUUID()
  contactId: string;

  @Field(() => ConsentSource, { nullable: true, description: 'API (the default), DATA_SUBJECT_REQUEST or SIGN_UP.' })
  @IsOptional()
  @IsIn(CONTACT_SOURCES, { message: `source must be one of ${CONTACT_SOURCES.join(', ')}` })
  source?: ConsentSource;

  @Field(() => String, {
    nullable: true,
    description: 'How the contact expressed it, as proof (e.g. "ticked the box on the trade-show form"); at most 500 characters.',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(500)
  note?: string | null;
}

@InputType()
export class RecordVisitorConsentInput extends ConsentChoicesInput {
  @Field({ description: VISITOR_ID_DESCRIPTION })
  @IsVisitorId()
  visitorId: string;
}

@ArgsType()
export class ContactConsentArgs {
  @Field(() => ID)
  @IsUUID()
  contactId: string;
}

@ArgsType()
export class VisitorConsentArgs {
  @Field({ description: VISITOR_ID_DESCRIPTION })
  @IsVisitorId()
  visitorId: string;
}
