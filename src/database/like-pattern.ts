/** A case-insensitive substring pattern for (I)LIKE, with the wildcards and the escape character taken literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
