import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';

/** Trims surrounding whitespace, so "  Acme " and "Acme" are the same name and blank strings fail @IsNotEmpty. */
export const Trim = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Trims, and turns a blank optional text into null (cleared), as forms send "" for an empty field. */
export const TrimToNull = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || null : value));

/** Emails are compared trimmed and lower-cased everywhere (unique case-insensitively). */
export const NormaliseEmail = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

/** An optional email, normalised like NormaliseEmail; a blank one clears the field (null). */
export const NormaliseOptionalEmail = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() || null : value));

export const PHONE_PATTERN = /^\+?[0-9][0-9 ().-]{4,28}[0-9]$/;

/**
 * For an optional input whose column cannot be empty (a name, a status, a count): omitted leaves it unchanged, and
 * null is validated like any other value, so it is refused instead of reaching a NOT NULL column (IsOptional lets
 * null through). Fields that null may clear use IsOptional.
 */
export const IfPresent = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
