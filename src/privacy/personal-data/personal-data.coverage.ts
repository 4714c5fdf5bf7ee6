import type { PersonalDataTable } from '../../common/privacy/personal-data.js';

/** A column of the database, as the catalog describes it. */
export interface CatalogColumn {
  table: string;
  column: string;
  /** The table a foreign key on this column points at, if any. */
  references: string | null;
  /** `information_schema.columns.data_type` (`text`, `character varying`, …). */
  dataType: string;
  /** The declared length of a varchar, if any. */
  maxLength: number | null;
}

/** Names that suggest data about a person: identity, contact details, device data, free text, links to a subject. */
const PERSONAL_LOOKING: readonly RegExp[] = [
  /^(name|first_name|last_name|full_name|title)$/,
  /email/,
  /phone/,
  /(^|_)ip$/,
  /user_agent/,
  /^(browser|os|device_type)$/,
  /^address_/,
  /(^|_)(line1|line2|city|region|postal_code|country)$/,
  /^(body|subject|file_name|content|changes|details)$/,
  /(^|_)notes?$/,
  /(^|_)(user_id|contact_id)$/,
  /_by(_user)?_id$/,
];
const SUBJECT_TABLES = new Set(['user', 'contact']);

/** Names of columns where people write whatever they like. */
const FREE_TEXT_NAMES = /(^|_)(notes?|body|message|description|comments?|subject|text|reasons?|instructions?|remarks?|memo|content|decoration|file_name)$/;
const TEXT_TYPES = new Set(['text', 'character varying', 'character']);
/** A varchar this long is meant for prose, whatever it is called. */
const PROSE_LENGTH = 1000;

/** A text column that may hold free text: named like it, or unbounded, or long enough for prose. */
export function looksFreeText(column: CatalogColumn): boolean {
  if (!TEXT_TYPES.has(column.dataType)) return false;
  return FREE_TEXT_NAMES.test(column.column) || column.dataType === 'text' || (column.maxLength ?? 0) >= PROSE_LENGTH;
}

export function looksPersonal(column: CatalogColumn): boolean {
  return PERSONAL_LOOKING.some((pattern) => pattern.test(column.column)) || (column.references !== null && SUBJECT_TABLES.has(column.references));
}

export interface CoverageReport {
  /** `table.column` that look personal and that no module declares and the allow-list does not excuse. */
  undeclared: string[];
  /** `table.column` that may hold free text and that no module declares as free text, nor the allow-list excuses. */
  undeclaredFreeText: string[];
  /** Declared `table.column` that the database does not have (a renamed or dropped column). */
  stale: string[];
  /** Allow-list entries for columns that no longer exist, or that a module declares after all. */
  staleAllowances: string[];
}

/** Compares the database's columns with the modules' declarations and the allow-lists. */
export function personalDataCoverage(
  catalog: readonly CatalogColumn[],
  tables: readonly PersonalDataTable[],
  notPersonal: Readonly<Record<string, string>>,
  notFreeText: Readonly<Record<string, string>> = {},
): CoverageReport {
  const key = (table: string, column: string) => `${table}.${column}`;
  const freeText = new Set(tables.flatMap((t) => (t.freeText ?? []).map((c) => key(t.table, c.column))));
  const declared = new Set([
    ...tables.flatMap((t) => [...t.links.map((l) => key(t.table, l.column)), ...t.columns.map((c) => key(t.table, c.column))]),
    ...freeText,
  ]);
  const existing = new Set(catalog.map((c) => key(c.table, c.column)));
  const undeclared = catalog
    .filter(looksPersonal)
    .map((c) => key(c.table, c.column))
    .filter((k) => !declared.has(k) && !(k in notPersonal));
  const undeclaredFreeText = catalog
    .filter(looksFreeText)
    .map((c) => key(c.table, c.column))
    .filter((k) => !freeText.has(k) && !(k in notFreeText));
  const staleAllowance = (k: string, declaredHere: Set<string>) => !existing.has(k) || declaredHere.has(k);
  return {
    undeclared: undeclared.sort(),
    undeclaredFreeText: undeclaredFreeText.sort(),
    stale: [...declared].filter((k) => !existing.has(k)).sort(),
    staleAllowances: [
      ...Object.keys(notPersonal).filter((k) => staleAllowance(k, declared)),
      ...Object.keys(notFreeText).filter((k) => staleAllowance(k, freeText)),
    ].sort(),
  };
}
