import { Embeddable, Property } from '@mikro-orm/decorators/legacy';
import { Field, InputType, ObjectType } from '@nestjs/graphql';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Trim } from '../validation/input-transforms.js';

/** A postal address, embedded in whatever owns it (tenant, client, contact). */
@Embeddable()
export class PostalAddress {
  @Property({ nullable: true }) line1?: string;
  @Property({ nullable: true }) line2?: string;
  @Property({ nullable: true }) city?: string;
  @Property({ nullable: true }) region?: string;
  @Property({ nullable: true }) postalCode?: string;
  /** ISO 3166-1 alpha-2. */
  @Property({ nullable: true, length: 2 }) country?: string;
}

@ObjectType('PostalAddress')
export class PostalAddressType {
  @Field(() => String, { nullable: true }) line1: string | null;
  @Field(() => String, { nullable: true }) line2: string | null;
  @Field(() => String, { nullable: true }) city: string | null;
  @Field(() => String, { nullable: true }) region: string | null;
  @Field(() => String, { nullable: true }) postalCode: string | null;
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2 country code.' }) country: string | null;

  static from(address: PostalAddress | undefined | null): PostalAddressType {
    return Object.assign(new PostalAddressType(), {
      line1: address?.line1 ?? null,
      line2: address?.line2 ?? null,
      city: address?.city ?? null,
      region: address?.region ?? null,
      postalCode: address?.postalCode ?? null,
      country: address?.country ?? null,
    });
  }
}

@InputType()
export class PostalAddressInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(200) line1?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(200) line2?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(100) city?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(100) region?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Trim() @IsString() @MaxLength(20) postalCode?: string;
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2, e.g. "US".' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country?: string;
}

/** An address from its input; null or omitted means none, and only the parts given are set. */
export function postalAddressFrom(input: PostalAddressInput | null | undefined): PostalAddress {
  const address = new PostalAddress();
  if (!input) return address;
  for (const key of ['line1', 'line2', 'city', 'region', 'postalCode', 'country'] as const) {
    const value = input[key];
    if (typeof value === 'string' && value !== '') address[key] = value;
  }
  return address;
}
