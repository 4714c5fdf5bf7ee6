import { Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { NormaliseEmail, PHONE_PATTERN, Trim } from '../../common/validation/input-transforms.js';


@InputType()
export class PostalAddressInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(200) line1?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(200) line2?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(100) city?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(100) region?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(20) postalCode?: string;
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2, e.g. "US".' })
  @IsOptional() @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country?: string;
}

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
