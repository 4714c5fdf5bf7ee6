import { ArgsType, Field, ID, InputType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsEmail, IsEnum, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PostalAddressInput } from '../../common/address/postal-address.js';
import { ConnectionArgs } from '../../common/pagination/connection.args.js';
import { IfPresent, NormaliseOptionalEmail, PHONE_PATTERN, Trim, TrimToNull } from '../../common/validation/input-transforms.js';
import { SortDirection } from '../../common/pagination/sort-direction.js';

export enum ContactSortField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(ContactSortField, {
  name: 'ContactSortField',
  valuesMap: { NAME: { description: 'Last name, then first name.' } },
});

const PHONE_MESSAGE = { message: 'phone must be a phone number' };

@InputType()
export class CreateContactInput {
  @Field(() => ID, { description: 'The client this person works at.' })
  @IsUUID()
  clientId: string;

  @Field({ description: '1–100 characters.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  firstName: string;

  @Field({ description: '1–100 characters.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  lastName: string;

  @Field(() => String, { nullable: true, description: 'Job title, at most 150 characters.' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(150)
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data: reading it requires PII_READ.' })
  @IsOptional()
  @NormaliseOptionalEmail()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data: reading it requires PII_READ.' })
  @IsOptional()
  @TrimToNull()
  @Matches(PHONE_PATTERN, PHONE_MESSAGE)
  phone?: string | null;

  @Field(() => PostalAddressInput, { nullable: true, description: 'Personal data: reading it requires PII_READ.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddressInput)
  address?: PostalAddressInput | null;
}

@InputType({
  description: 'Fields to change; omitted fields stay as they are, null clears an optional field. The address is replaced as a whole.',
})
export class UpdateContactInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => String, { nullable: true, description: '1–100 characters; cannot be cleared.' })
  @IfPresent()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  firstName?: string;

  @Field(() => String, { nullable: true, description: '1–100 characters; cannot be cleared.' })
  @IfPresent()
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
  @Matches(PHONE_PATTERN, PHONE_MESSAGE)
  phone?: string | null;

  @Field(() => PostalAddressInput, { nullable: true, description: 'Replaces the whole address; null clears it.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddressInput)
  address?: PostalAddressInput | null;
}

@InputType()
export class ContactIdInput {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@ArgsType()
export class ContactIdArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@InputType()
export class ContactFilter {
  @Field(() => ID, { nullable: true, description: 'Contacts of this client.' })
  @IsOptional()
  @IsUUID()
  clientId?: string;

  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive: every word must be a substring of the first or the last name ("ada love").',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(200)
  search?: string;
}

@InputType()
export class ContactSort {
  @Field(() => ContactSortField, { nullable: true, description: 'Default CREATED_AT.' })
  @IsOptional()
  @IsEnum(ContactSortField)
  field?: ContactSortField;

  @Field(() => SortDirection, { nullable: true, description: 'Default ASC for NAME, DESC for CREATED_AT.' })
  @IsOptional()
  @IsEnum(SortDirection)
  direction?: SortDirection;
}

@ArgsType()
export class ContactsArgs extends ConnectionArgs {
  @Field(() => ContactFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContactFilter)
  filter?: ContactFilter;

  @Field(() => ContactSort, { nullable: true, description: 'Default: newest first (CREATED_AT DESC).' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContactSort)
  sort?: ContactSort;
}
