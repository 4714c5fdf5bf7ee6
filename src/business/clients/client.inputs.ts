import { ArgsType, Field, ID, InputType, registerEnumType } from '@nestjs/graphql';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsEnum, IsNotEmpty, IsOptional, IsString, IsUrl, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PostalAddressInput } from '../../common/address/postal-address.js';
import { ConnectionArgs } from '../../common/pagination/connection.args.js';
import { IfPresent, Trim, TrimToNull } from '../../common/validation/input-transforms.js';
import { SortDirection } from '../../common/pagination/sort-direction.js';

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 50;

export enum ClientSortField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(ClientSortField, { name: 'ClientSortField' });

export enum ClientArchiveFilter {
  EXCLUDE = 'EXCLUDE',
  ONLY = 'ONLY',
  INCLUDE = 'INCLUDE',
}
registerEnumType(ClientArchiveFilter, {
  name: 'ClientArchiveFilter',
  description: 'Which clients a list shows by archive state.',
  valuesMap: {
    EXCLUDE: { description: 'Active clients only (the default).' },
    ONLY: { description: 'Archived clients only.' },
    INCLUDE: { description: 'Active and archived clients.' },
  },
});

/** Trims each tag and drops repeats (keeping the first), so ["vip", " vip "] is one tag; blank tags still fail. */
const NormaliseTags = () =>
  Transform(({ value }: { value: unknown }) =>
    Array.isArray(value) ? [...new Set(value.map((tag: unknown) => (typeof tag === 'string' ? tag.trim() : tag)))] : value,
  );

/**
 * Tags are single-line labels. The ORM writes text[] as an array literal that leaves a bare NULL unquoted and turns
 * control-character escapes into letters, so those would not come back as written: refused instead.
 */
const TAG_PATTERN = /^(?!null$)[^\p{Cc}]*$/iu;
const TAG_MESSAGE = { each: true, message: 'each tag must be one line of text, and not the word "null"' };

const URL_OPTIONS: Parameters<typeof IsUrl>[0] = { protocols: ['http', 'https'], require_protocol: true };

@InputType()
export class CreateClientInput {
  @Field({ description: '1–200 characters.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @Field(() => String, { nullable: true, description: 'An http(s) URL, at most 500 characters.' })
  @IsOptional()
  @TrimToNull()
  @IsUrl(URL_OPTIONS, { message: 'website must be an http or https URL' })
  @MaxLength(500)
  website?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(100)
  industry?: string | null;

  @Field(() => [String], { nullable: true, description: `At most ${MAX_TAGS} tags of 1–${MAX_TAG_LENGTH} characters; trimmed, repeats dropped.` })
  @IsOptional()
  @NormaliseTags()
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(MAX_TAG_LENGTH, { each: true })
  @Matches(TAG_PATTERN, TAG_MESSAGE)
  tags?: string[];

  @Field(() => ID, { nullable: true, description: "The responsible member's user id; must be a member of the tenant." })
  @IsOptional()
  @IsUUID()
  ownerUserId?: string | null;

  @Field(() => PostalAddressInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddressInput)
  billingAddress?: PostalAddressInput | null;

  @Field(() => PostalAddressInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddressInput)
  shippingAddress?: PostalAddressInput | null;

  @Field(() => String, { nullable: true, description: 'At most 10,000 characters.' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(10_000)
  notes?: string | null;
}

@InputType({
  description: 'Fields to change; omitted fields stay as they are, null clears an optional field. Tags and addresses are replaced as a whole.',
})
export class UpdateClientInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => String, { nullable: true, description: '1–200 characters; cannot be cleared.' })
  @IfPresent()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @Field(() => String, { nullable: true, description: 'An http(s) URL, at most 500 characters.' })
  @IsOptional()
  @TrimToNull()
  @IsUrl(URL_OPTIONS, { message: 'website must be an http or https URL' })
  @MaxLength(500)
  website?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(100)
  industry?: string | null;

  @Field(() => [String], { nullable: true, description: `Replaces all tags: at most ${MAX_TAGS} of 1–${MAX_TAG_LENGTH} characters.` })
  @IfPresent()
  @NormaliseTags()
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(MAX_TAG_LENGTH, { each: true })
  @Matches(TAG_PATTERN, TAG_MESSAGE)
  tags?: string[];

  @Field(() => ID, { nullable: true, description: "A member's user id, or null for no owner." })
  @IsOptional()
  @IsUUID()
  ownerUserId?: string | null;

  @Field(() => PostalAddressInput, { nullable: true, description: 'Replaces the whole address; null clears it.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddressInput)
  billingAddress?: PostalAddressInput | null;

  @Field(() => PostalAddressInput, { nullable: true, description: 'Replaces the whole address; null clears it.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddressInput)
  shippingAddress?: PostalAddressInput | null;

  @Field(() => String, { nullable: true, description: 'At most 10,000 characters.' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(10_000)
  notes?: string | null;
}

@InputType()
export class ClientIdInput {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@ArgsType()
export class ClientIdArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@InputType()
export class ClientFilter {
  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name.' })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(200)
  search?: string;

  @Field(() => ID, { nullable: true, description: 'Clients owned by this member (user id).' })
  @IsOptional()
  @IsUUID()
  ownerUserId?: string;

  @Field(() => String, { nullable: true, description: 'Clients carrying this tag (exact match).' })
  @IsOptional()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_TAG_LENGTH)
  tag?: string;

  @Field(() => ClientArchiveFilter, { nullable: true, description: 'Default EXCLUDE: active clients only.' })
  @IsOptional()
  @IsEnum(ClientArchiveFilter)
  archived?: ClientArchiveFilter;
}

@InputType()
export class ClientSort {
  @Field(() => ClientSortField, { nullable: true, description: 'Default CREATED_AT.' })
  @IsOptional()
  @IsEnum(ClientSortField)
  field?: ClientSortField;

  @Field(() => SortDirection, { nullable: true, description: 'Default ASC for NAME, DESC for the dates.' })
  @IsOptional()
  @IsEnum(SortDirection)
  direction?: SortDirection;
}

@ArgsType()
export class ClientsArgs extends ConnectionArgs {
  @Field(() => ClientFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ClientFilter)
  filter?: ClientFilter;

  @Field(() => ClientSort, { nullable: true, description: 'Default: newest first (CREATED_AT DESC).' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ClientSort)
  sort?: ClientSort;
}
