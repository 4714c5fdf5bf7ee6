import type { Permission } from '../../common/authorization/permission.js';

/**
 * How a GraphQL object type is read in SQL: for each field, the expression that gives its JSON value from the row it
 * belongs to. The read path compiles a document's selection of such types into one statement whose result is the
 * answer's JSON, built by PostgreSQL (see selection-sql.ts). A field without an entry here cannot be compiled: a
 * document that selects one is executed by the resolvers instead, with the same answer.
 */
export interface ObjectReadModel {
  /** The GraphQL type's name, e.g. `Order`. */
  type: string;
  fields: Readonly<Record<string, FieldReadModel>>;
}

/** Where a field's value comes from: a column of its row (or JSON key of its element), or related rows. */
export interface RowRef {
  /** The SQL of a column of the row (a key of the JSON element), by its name in the table. */
  col(name: string): string;
  /** A row reference for an embedded object whose columns share a prefix (`billing_` of `billing_city`). */
  prefixed(prefix: string): RowRef;
}

interface Restricted {
  /** Readers without it get null and FORBIDDEN_FIELD (field-access.ts): such documents are not compiled. */
  permission?: Permission;
}

/** A scalar (or list of scalars): a SQL expression whose JSON is the field's value. */
export interface ValueField extends Restricted {
  kind: 'value';
  sql: (row: RowRef) => string;
}

/** An object held in the same row, as columns with a common prefix (a postal address). */
export interface EmbeddedField extends Restricted {
  kind: 'embedded';
  type: string;
  prefix: string;
}

/** The related row of another table (at most one): `from <table> <alias> where <condition>`, or JSON null. */
export interface RelatedField extends Restricted {
  kind: 'related';
  type: string;
  /** `<table> <alias> where <condition on alias and row>`; the tenant predicate is added by the compiler. */
  from: (row: RowRef, alias: string) => string;
}

/** Related rows of another table, in order: a JSON array, empty when there are none. */
export interface RelatedListField extends Restricted {
  kind: 'relatedList';
  type: string;
  from: (row: RowRef, alias: string) => string;
  orderBy: (alias: string) => string;
  /** At most this many, the first in `orderBy`'s order. */
  limit?: number;
}

/** A JSON array column whose elements are objects of `type` (their keys are the element row's columns). */
export interface JsonListField extends Restricted {
  kind: 'jsonList';
  type: string;
  sql: (row: RowRef) => string;
}

export type FieldReadModel = ValueField | EmbeddedField | RelatedField | RelatedListField | JsonListField;

/** A time as JavaScript's `toISOString` writes it (milliseconds, UTC, `Z`): how the DateTime scalar answers. */
export const isoTime = (sql: string): string => `to_char(${sql} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Field builders, so that read models read as declarations. */
export const read = {
  column: (name: string, options: Restricted = {}): ValueField => ({ kind: 'value', sql: (row) => row.col(name), ...options }),
  expression: (sql: (row: RowRef) => string, options: Restricted = {}): ValueField => ({ kind: 'value', sql, ...options }),
  time: (name: string, options: Restricted = {}): ValueField => ({ kind: 'value', sql: (row) => isoTime(row.col(name)), ...options }),
  /** A date column as `YYYY-MM-DD` (LocalDate). */
  date: (name: string, options: Restricted = {}): ValueField => ({ kind: 'value', sql: (row) => `${row.col(name)}::text`, ...options }),
  embedded: (type: string, prefix: string, options: Restricted = {}): EmbeddedField => ({ kind: 'embedded', type, prefix, ...options }),
  related: (type: string, from: RelatedField['from'], options: Restricted = {}): RelatedField => ({ kind: 'related', type, from, ...options }),
  relatedList: (
    type: string,
    from: RelatedListField['from'],
    orderBy: RelatedListField['orderBy'],
    options: Restricted & { limit?: number } = {},
  ): RelatedListField => ({
    kind: 'relatedList',
    type,
    from,
    orderBy,
    ...options,
  }),
  jsonList: (type: string, sql: JsonListField['sql'], options: Restricted = {}): JsonListField => ({ kind: 'jsonList', type, sql, ...options }),
};
