import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsDate, IsEnum, IsInt, Min, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PolicyKind } from '../purposes/consent-purpose.js';

export const MAX_POLICY_TEXT_LENGTH = 200_000;

@InputType()
export class PublishPolicyInput {
  @Field(() => PolicyKind)
  @IsEnum(PolicyKind)
  kind: PolicyKind;

  @Field({ description: `The full text, 1–${MAX_POLICY_TEXT_LENGTH.toLocaleString('en')} characters. It is stored exactly as sent.` })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_POLICY_TEXT_LENGTH)
  text: string;

  @Field({ nullable: true, description: "When it takes effect: now when omitted; never in the past, and after the previous version's date." })
  @IsOptional()
  @IsDate()
  effectiveAt?: Date;
}

@InputType()
export class AcceptPolicyInput {
  @Field(() => [ID], { description: 'The versions accepted (me.policiesToAccept), 1–10 ids.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsUUID(undefined, { each: true })
  policyDocumentIds: string[];
}

@ArgsType()
export class PolicyDocumentsArgs {
  @Field(() => PolicyKind, { nullable: true })
  @IsOptional()
  @IsEnum(PolicyKind)
  kind?: PolicyKind;
}

@ArgsType()
export class PolicyDocumentArgs {
  @Field(() => PolicyKind)
  @IsEnum(PolicyKind)
  kind: PolicyKind;

  @Field(() => Int)
  @IsInt()
  @Min(1)
  version: number;
}
