import { ArgsType, Field, ID, InputType, Int, registerEnumType } from '@nestjs/graphql';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsEnum,
  IsInt,
  IsISO4217CurrencyCode,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { LocalDate, MinorUnits } from '../../common/graphql/scalars.js';
import { ConnectionArgs } from '../../common/pagination/connection.args.js';
import { IfPresent, Trim, TrimToNull } from '../../common/validation/input-transforms.js';
import { SortDirection } from '../../common/pagination/sort-direction.js';
import { OrderStatus } from './order-status.js';

export const MAX_LINES = 200;
export const MAX_EXTERNAL_REFERENCES = 20;
export const MAX_QUANTITY = 1_000_000;
/** 10^11 minor units: a billion in a two-decimal currency, per unit. */
export const MAX_UNIT_AMOUNT = 100_000_000_000;
export const MAX_NOTES = 10_000;

/** Currency codes are stored upper-case; "usd" and "USD" are the same code. */
const UpperCase = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value));

export enum OrderSortField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  NUMBER = 'NUMBER',
  CHANGED = 'CHANGED',
}
registerEnumType(OrderSortField, {
  name: 'OrderSortField',
  description: 'How an order list is ordered; the order id breaks ties.',
  valuesMap: {
    CREATED_AT: { description: 'By creation time.' },
    UPDATED_AT: { description: 'By the time of the last change (as stamped by the writer, not when it committed).' },
    NUMBER: { description: 'By order number.' },
    CHANGED: {
      description:
        "The partner change feed, ASC only: orders in the order their last change was written (the writing transaction's id), " +
        'listing only changes whose transaction and every earlier one have finished. A change that commits late is therefore ' +
        'never skipped by a reader who already paged past its position; an order changed while you page comes again later ' +
        'with its new data, and an unchanged order never comes twice. Page with `after: endCursor`; to continue a later sync, ' +
        'keep the last non-null endCursor and the same filter and page on from it (starting again from a newer updatedAfter ' +
        'time can miss a change stamped before that time that committed after it). A long-running transaction anywhere in ' +
        "the database holds the feed back until it ends. Its cursors carry the writing transaction's id (as a string) and " +
        'the order id.',
    },
  },
});

@InputType({ description: 'A reference to the order in another system, e.g. { system: "QUICKBOOKS", kind: "INVOICE", value: "1042" }.' })
export class ExternalReferenceInput {
  @Field({ description: '1–100 characters.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  system: string;

  @Field({ description: '1–100 characters.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  kind: string;

  @Field({ description: '1–100 characters.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  value: string;
}

@InputType({ description: "One product on an order. Money is integer minor units of the order's currency." })
export class OrderLineInput {
  @Field({ description: '1–200 characters.' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  productName: string;

  @Field(() => String, { nullable: true, description: 'At most 100 characters.' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(100)
  sku?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 200 characters.' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(200)
  supplier?: string | null;

  @Field(() => Int, { description: `1–${MAX_QUANTITY.toLocaleString('en')}.` })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity: number;

  @Field(() => MinorUnits, { description: `Price per unit, 0–10^11 minor units.` })
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_AMOUNT)
  unitPrice: number;

  @Field(() => MinorUnits, { description: 'What the distributor pays per unit, 0–10^11 minor units (read back with FINANCIALS_READ).' })
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_AMOUNT)
  unitCost: number;

  @Field(() => String, { nullable: true, description: 'Decoration / imprint: method, placement, artwork notes. At most 2,000 characters.' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(2000)
  decoration?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 100 characters.' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(100)
  colour?: string | null;
}

@InputType({ description: 'Fields of a line to change; omitted fields stay as they are, null clears an optional field.' })
export class UpdateOrderLineInput {
  @Field(() => String, { nullable: true, description: '1–200 characters; cannot be cleared.' })
  @IfPresent()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  productName?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(100)
  sku?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(200)
  supplier?: string | null;

  @Field(() => Int, { nullable: true })
  @IfPresent()
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity?: number;

  @Field(() => MinorUnits, { nullable: true })
  @IfPresent()
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_AMOUNT)
  unitPrice?: number;

  @Field(() => MinorUnits, { nullable: true })
  @IfPresent()
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_AMOUNT)
  unitCost?: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(2000)
  decoration?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(100)
  colour?: string | null;
}

@InputType()
export class CreateOrderInput {
  @Field(() => ID, { description: 'A client of the active tenant.' })
  @IsUUID()
  clientId: string;

  @Field(() => ID, { nullable: true, description: 'A contact of that client.' })
  @IsOptional()
  @IsUUID()
  contactId?: string | null;

  @Field({ description: 'ISO 4217 code, e.g. "USD".' })
  @UpperCase()
  @IsString()
  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 currency code' })
  currency: string;

  @Field(() => LocalDate, { nullable: true, description: 'The date the customer needs the goods.' })
  @IsOptional()
  @IsString()
  inHandsDate?: string | null;

  @Field(() => String, { nullable: true, description: `At most ${MAX_NOTES.toLocaleString('en')} characters.` })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(MAX_NOTES)
  notes?: string | null;

  @Field(() => [ExternalReferenceInput], { nullable: true, description: `At most ${MAX_EXTERNAL_REFERENCES}.` })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EXTERNAL_REFERENCES)
  @ValidateNested({ each: true })
  @Type(() => ExternalReferenceInput)
  externalReferences?: ExternalReferenceInput[] | null;

  @Field(() => [OrderLineInput], { nullable: true, description: `0–${MAX_LINES} lines, in order.` })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LINES)
  @ValidateNested({ each: true })
  @Type(() => OrderLineInput)
  lines?: OrderLineInput[] | null;
}

@InputType({ description: 'Fields to change; omitted fields stay as they are, null clears an optional field.' })
export class UpdateOrderInput {
  @Field(() => ID, { nullable: true, description: "A contact of the order's client; null removes the contact." })
  @IsOptional()
  @IsUUID()
  contactId?: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217; can change only while the order is a QUOTE (ORDER_LOCKED otherwise).' })
  @IfPresent()
  @UpperCase()
  @IsString()
  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 currency code' })
  currency?: string;

  @Field(() => LocalDate, { nullable: true })
  @IsOptional()
  @IsString()
  inHandsDate?: string | null;

  @Field(() => String, { nullable: true, description: `At most ${MAX_NOTES.toLocaleString('en')} characters.` })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(MAX_NOTES)
  notes?: string | null;

  @Field(() => [ExternalReferenceInput], {
    nullable: true,
    description: `Replaces the whole list (at most ${MAX_EXTERNAL_REFERENCES}); null clears it.`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EXTERNAL_REFERENCES)
  @ValidateNested({ each: true })
  @Type(() => ExternalReferenceInput)
  externalReferences?: ExternalReferenceInput[] | null;
}

@ArgsType()
export class OrderIdArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@ArgsType()
export class UpdateOrderArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => UpdateOrderInput)
  @ValidateNested()
  @Type(() => UpdateOrderInput)
  patch: UpdateOrderInput;
}

@ArgsType()
export class TransitionOrderArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => OrderStatus, { description: 'The status to move to; see OrderStatus for the allowed moves.' })
  @IsEnum(OrderStatus)
  to: OrderStatus;
}

@ArgsType()
export class AddOrderLineArgs {
  @Field(() => ID)
  @IsUUID()
  orderId: string;

  @Field(() => OrderLineInput)
  @ValidateNested()
  @Type(() => OrderLineInput)
  line: OrderLineInput;
}

@ArgsType()
export class UpdateOrderLineArgs {
  @Field(() => ID, { description: "The line's id." })
  @IsUUID()
  id: string;

  @Field(() => UpdateOrderLineInput)
  @ValidateNested()
  @Type(() => UpdateOrderLineInput)
  patch: UpdateOrderLineInput;
}

@ArgsType()
export class OrderLineIdArgs {
  @Field(() => ID, { description: "The line's id." })
  @IsUUID()
  id: string;
}

@InputType()
export class OrderFilter {
  @Field(() => [OrderStatus], { nullable: true, description: 'Orders in any of these statuses.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(Object.keys(OrderStatus).length)
  @IsEnum(OrderStatus, { each: true })
  status?: OrderStatus[];

  @Field(() => ID, { nullable: true, description: 'Orders of this client.' })
  @IsOptional()
  @IsUUID()
  clientId?: string;

  @Field(() => Date, { nullable: true, description: 'Created strictly after this time.' })
  @IsOptional()
  @IsDate()
  createdAfter?: Date;

  @Field(() => Date, { nullable: true, description: 'Created strictly before this time.' })
  @IsOptional()
  @IsDate()
  createdBefore?: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'Last changed strictly after this time. With sort CHANGED, the partner change feed since this time.',
  })
  @IsOptional()
  @IsDate()
  updatedAfter?: Date;

  @Field(() => Date, { nullable: true, description: 'Last changed strictly before this time.' })
  @IsOptional()
  @IsDate()
  updatedBefore?: Date;

  @Field(() => String, { nullable: true, description: "Case-insensitive substring of the order number or of the client's name." })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(200)
  search?: string;
}

@InputType()
export class OrderSort {
  @Field(() => OrderSortField, { description: 'CHANGED is the partner change feed (see OrderSortField).' })
  @IsEnum(OrderSortField)
  field: OrderSortField;

  @Field(() => SortDirection, { nullable: true, description: 'Default ASC for CHANGED (which allows nothing else), DESC otherwise.' })
  @IsOptional()
  @IsEnum(SortDirection)
  direction?: SortDirection;
}

@ArgsType()
export class OrdersArgs extends ConnectionArgs {
  @Field(() => OrderFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => OrderFilter)
  filter?: OrderFilter;

  @Field(() => OrderSort, { nullable: true, description: 'Default: newest first (CREATED_AT DESC).' })
  @IsOptional()
  @ValidateNested()
  @Type(() => OrderSort)
  sort?: OrderSort;
}
