import { Transform } from 'class-transformer';

/** Trims surrounding whitespace, so "  Acme " and "Acme" are the same name and blank strings fail @IsNotEmpty. */
export const Trim = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Emails are compared trimmed and lower-cased everywhere (unique case-insensitively). */
export const NormaliseEmail = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

export const PHONE_PATTERN = /^\+?[0-9][0-9 ().-]{4,28}[0-9]$/;
