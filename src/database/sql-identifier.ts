/** A table or column name quoted for SQL, for statements built from the catalog or the personal-data registry. */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
