import { Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsEmail, IsEnum, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PostalAddressInput } from '../../common/address/postal-address.js';
import { PrivacyDeadlineRule } from './privacy-deadline-rule.js';
import { NormaliseEmail, PHONE_PATTERN, Trim } from '../../common/validation/input-transforms.js';


@InputType({ description: 'Fields to change; omitted fields stay as they are.' })
export class UpdateTenantInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @IsNotEmpty() @MaxLength(200)
  name?: string;

  @Field(() => PostalAddressInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => PostalAddressInput)
  address?: PostalAddressInput;

  @Field(() => String, { nullable: true }) @IsOptional() @Matches(PHONE_PATTERN, { message: 'phone must be a phone number' })
  phone?: string;

  @Field(() => String, { nullable: true, description: 'Changing it requires BILLING_MANAGE.' })
  @IsOptional() @NormaliseEmail() @IsEmail() @MaxLength(254)
  billingEmail?: string;
}

@InputType()
export class UpdatePrivacySettingsInput {
  @Field(() => PrivacyDeadlineRule, { description: 'Applies to requests filed from now on; open requests keep their due date.' })
  @IsEnum(PrivacyDeadlineRule)
  deadlineRule: PrivacyDeadlineRule;
}
