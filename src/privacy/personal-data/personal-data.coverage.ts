import type { PersonalDataTable } from '../../common/privacy/personal-data.js';

/** A column of the database, as the catalog describes it. */
export interface CatalogColumn {
  table: string;
  column: string;
  /** The table a foreign key on this column points at, if any. */
  references: string | null;
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

export function looksPersonal(column: CatalogColumn): boolean {
  return PERSONAL_LOOKING.some((pattern) => pattern.test(column.column)) || (column.references !== null && SUBJECT_TABLES.has(column.references));
}

export interface CoverageReport {
  /** `table.column` that look personal and that no module declares and the allow-list does not excuse. */
  undeclared: string[];
  /** Declared `table.column` that the database does not have (a renamed or dropped column). */
  stale: string[];
  /** Allow-list entries for columns that no longer exist, or that a module declares after all. */
  staleAllowances: string[];
}

/** Compares the database's columns with the modules' declarations and the allow-list of non-personal columns. */
export function personalDataCoverage(
  catalog: readonly CatalogColumn[],
  tables: readonly PersonalDataTable[],
  notPersonal: Readonly<Record<string, string>>,
): CoverageReport {
  const declared = new Set(tables.flatMap((t) => [...t.links.map((l) => `${t.table}.${l.column}`), ...t.columns.map((c) => `${t.table}.${c.column}`)]));
  const existing = new Set(catalog.map((c) => `${c.table}.${c.column}`));
  const undeclared = catalog
    .filter(looksPersonal)
    .map((c) => `${c.table}.${c.column}`)
    .filter((key) => !declared.has(key) && !(key in notPersonal));
  return {
    undeclared: undeclared.sort(),
    stale: [...declared].filter((key) => !existing.has(key)).sort(),
    staleAllowances: Object.keys(notPersonal).filter((key) => !existing.has(key) || declared.has(key)).sort(),
  };
}
