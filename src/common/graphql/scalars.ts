import { GraphQLLocalDate, GraphQLSafeInt } from 'graphql-scalars';

/**
 * Money is integer minor units (cents) of the currency given next to it. GraphQL's Int is 32-bit; SafeInt carries
 * amounts up to 2^53 − 1 exactly.
 */
export const MinorUnits = GraphQLSafeInt;

/** A calendar date without time or zone, `YYYY-MM-DD` (e.g. an in-hands date). */
export const LocalDate = GraphQLLocalDate;
