import { GraphQLError, GraphQLScalarType, Kind, print, type ValueNode } from 'graphql';
import { GraphQLDateTime, GraphQLLocalDate, GraphQLSafeInt } from 'graphql-scalars';
import { AppError, ErrorCode } from '../errors/app-errors.js';

/**
 * The instants every DateTime and LocalDate must lie within: years 0001 to 9999, as RFC 3339 writes them (four
 * digits). PostgreSQL holds more (4713 BC to 294276 AD) but refuses year 0, and JavaScript's Date writes years outside
 * 0000–9999 as `±YYYYYY`, which PostgreSQL cannot read back; 0001-01-01 is also what clients' own minimum dates send
 * (e.g. .NET's DateTime.MinValue) as an open lower bound.
 */
export const EARLIEST_INSTANT = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_INSTANT = new Date('9999-12-31T23:59:59.999Z');

/** At most this much of a refused value is repeated in the error: a megabyte of junk is not echoed back. */
const ECHO_LENGTH = 60;

/** The refused value as the client wrote it (a literal as GraphQL, a variable as JSON), shortened. */
function shown(value: unknown, node?: ValueNode): string {
  let text: string;
  try {
    // JSON.stringify answers undefined for undefined, functions and symbols, whatever its declared type says.
    const json = JSON.stringify(value) as string | undefined;
    text = node ? print(node) : (json ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > ECHO_LENGTH ? `${text.slice(0, ECHO_LENGTH)}…` : text;
}

/**
 * A scalar's refusal as BAD_USER_INPUT, for variables and literals alike. graphql-js reports a literal's refusal as a
 * validation error (GRAPHQL_VALIDATION_FAILED by Apollo's rule); the error formatter gives back this code, which the
 * validation error keeps as its original error.
 */
function refuse(message: string, node?: ValueNode): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, message, undefined, node ? { nodes: node } : undefined);
}

/** Runs a graphql-scalars coercion and turns its refusal (a plain GraphQLError) into ours. */
function coerced<T>(coerce: () => T, message: string, node?: ValueNode): T {
  try {
    return coerce();
  } catch (error) {
    if (error instanceof GraphQLError) throw refuse(message, node);
    throw error;
  }
}

const DATE_TIME_FORMAT = 'an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:30:00Z or 2026-01-31T10:30:00+01:00';

function dateTimeOf(value: unknown, node?: ValueNode): Date {
  const wanted = `DateTime must be ${DATE_TIME_FORMAT}, between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z; got ${shown(value, node)}.`;
  // graphql-scalars checks the RFC 3339 shape and the calendar (no 2026-02-30, no 24:00); it also takes JS Date
  // instances, which JSON variables cannot carry, and never a boolean, number or loose string like "1".
  const instant = typeof value === 'string' ? coerced(() => GraphQLDateTime.parseValue(value), wanted, node) : null;
  if (!instant || instant < EARLIEST_INSTANT || instant > LATEST_INSTANT) throw refuse(wanted, node);
  return instant;
}

/**
 * An instant, as an RFC 3339 date-time with an offset (`Z` or `±hh:mm`), within years 0001–9999 in UTC. Anything
 * else (booleans, numbers, dates without a time or an offset, other layouts) is BAD_USER_INPUT. Always answered in
 * UTC with milliseconds (`2026-01-31T09:30:00.000Z`). Replaces Nest's built-in DateTime, which is `new Date(value)`.
 */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description:
    'An instant: an RFC 3339 date-time with an offset (`2026-01-31T09:30:00Z`, `2026-01-31T10:30:00+01:00`), from ' +
    '0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z. Answered in UTC with milliseconds.',
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc3339#section-5.6',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    throw new TypeError(`DateTime cannot answer ${shown(value)}: not a Date.`);
  },
  parseValue: (value) => dateTimeOf(value),
  parseLiteral: (node) => dateTimeOf(node.kind === Kind.STRING ? node.value : undefined, node),
});

function localDateOf(value: unknown, node?: ValueNode): string {
  const wanted = `LocalDate must be a calendar date YYYY-MM-DD between 0001-01-01 and 9999-12-31; got ${shown(value, node)}.`;
  const date = coerced(() => (node ? GraphQLLocalDate.parseLiteral(node) : GraphQLLocalDate.parseValue(value)), wanted, node);
  // The format has four-digit years, so only year 0000 falls outside the range.
  if (date.startsWith('0000-')) throw refuse(wanted, node);
  return date;
}

/** A calendar date without time or zone, `YYYY-MM-DD` from 0001-01-01 to 9999-12-31 (e.g. an in-hands date). */
export const LocalDate = new GraphQLScalarType<string, string>({
  name: 'LocalDate',
  description: 'A calendar date without time or zone, `YYYY-MM-DD`, from 0001-01-01 to 9999-12-31.',
  serialize: (value) => GraphQLLocalDate.serialize(value),
  parseValue: (value) => localDateOf(value),
  parseLiteral: (node) => localDateOf(undefined, node),
});

const SAFE_INT_FORMAT = `an integer from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`;

/**
 * Money is integer minor units (cents) of the currency given next to it. GraphQL's Int is 32-bit; SafeInt carries
 * amounts up to 2^53 − 1 exactly. Its refusals (fractions, strings, unsafe integers) are BAD_USER_INPUT, as a
 * variable's and as a literal's.
 */
export const MinorUnits = new GraphQLScalarType<number, number>({
  ...GraphQLSafeInt.toConfig(),
  serialize: (value) => GraphQLSafeInt.serialize(value),
  parseValue: (value) => coerced(() => GraphQLSafeInt.parseValue(value) as number, `SafeInt must be ${SAFE_INT_FORMAT}; got ${shown(value)}.`),
  parseLiteral: (node) =>
    coerced(() => GraphQLSafeInt.parseLiteral(node, undefined) as number, `SafeInt must be ${SAFE_INT_FORMAT}; got ${shown(undefined, node)}.`, node),
});
