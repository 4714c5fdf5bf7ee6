import { Field, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsEmail, IsEnum, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { PostalAddressInput } from '../../common/address/postal-address.js';
import { PrivacyDeadlineRule } from './privacy-deadline-rule.js';
import { IfPresent, NormaliseEmail, PHONE_PATTERN, Trim } from '../../common/validation/input-transforms.js';

@InputType({ description: 'Fields to change; omitted fields stay as they are.' })
export class UpdateTenantInput {
  @Field(() => String, { nullable: true, description: '1–200 characters; cannot be cleared.' })
  @IfPresent()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @Field(() => PostalAddressInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddressInput)
  address?: PostalAddressInput;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'phone must be a phone number' })
  phone?: string;

  @Field(() => String, { nullable: true, description: 'Changing it requires BILLING_MANAGE.' })
  @IsOptional()
  @NormaliseEmail()
  @IsEmail()
  @MaxLength(254)
  billingEmail?: string;
}

@InputType({ description: 'Settings to change; omitted ones stay as they are.' })
export class UpdatePrivacySettingsInput {
  @Field(() => PrivacyDeadlineRule, { nullable: true, description: 'Applies to requests filed from now on; open requests keep their due date.' })
  @IfPresent()
  @IsEnum(PrivacyDeadlineRule)
  deadlineRule?: PrivacyDeadlineRule;

  @Field(() => Int, {
    nullable: true,
    description: 'Years that orders and invoices are kept after the tenant closes, as the tax law of the company requires (1 to 30).',
  })
  @IfPresent()
  @IsInt()
  @Min(1)
  @Max(30)
  taxRetentionYears?: number;
}

@InputType()
export class CloseTenantInput {
  @Field({ description: "The company's name, typed again to confirm." })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  confirmName: string;
}
