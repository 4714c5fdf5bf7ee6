import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** What replaces an erased subject's identifier in free text: the rest of the note stays. */
export const ERASED_MARKER = '[erased]';

/** Everything a subject was known by: current values and those their rectifications replaced. */
export interface SubjectIdentifiers {
  /** Full names as written (a contact's first and last name joined), and single name columns' values. */
  names: string[];
  emails: string[];
  phones: string[];
}

/** Not a letter, digit or underscore on that side: the text around a name or address is not part of a longer word. */
const WORD_BEFORE = '(?<![[:alnum:]_])';
const WORD_AFTER = '(?![[:alnum:]_])';
/** What people put between a phone number's digits. */
const PHONE_SEPARATORS = '[-[:space:]./()]*';
const SHORTEST_PHONE_DIGITS = 6;

/**
 * PostgreSQL regular expressions (ARE) that find the subject's identifiers in free text, to be applied one after the
 * other in this order: emails, phone numbers, full names, then single name words. They match case-insensitively by
 * themselves (each letter is a bracket of its cases, from JavaScript's Unicode case mapping), so the database's locale
 * does not decide whether "ZOË" is "Zoë".
 */
export function identifierPatterns(identifiers: SubjectIdentifiers): string[] {
  const emails = unique(identifiers.emails.map((email) => email.trim()).filter((email) => email.includes('@')));
  const phones = unique(identifiers.phones.map(phonePattern).filter((pattern): pattern is string => pattern !== null));
  const names = unique(identifiers.names.map((name) => name.trim().replace(/\s+/g, ' ')).filter((name) => name.length > 1));
  return [
    ...emails.map((email) => `(?<![[:alnum:]._%+-])${literal(email)}(?![[:alnum:]_-])(?!\\.[[:alnum:]])`),
    ...phones,
    ...byLength(names).map((name) => `${WORD_BEFORE}${literal(name)}${WORD_AFTER}`),
    ...byLength(nameWords(names).filter((word) => !names.includes(word))).map((word) => `${WORD_BEFORE}${literal(word)}${WORD_AFTER}`),
  ];
}

/**
 * The words of the names that identify on their own: a given name or surname of two letters or more. Words written
 * in lower case within a capitalised name ("van der Berg", "de la Cruz") are particles and are only erased as part of
 * the full name, or "de" would go from every note; a name written all in lower case counts every word.
 */
function nameWords(names: string[]): string[] {
  const found = new Set<string>();
  for (const name of names) {
    const spaced = name.split(' ');
    // A hyphenated name is a name as a whole ("Anne-Marie") and in its parts.
    const words = [...spaced, ...spaced.filter((word) => word.includes('-')).flatMap((word) => word.split('-'))]
      // Punctuation around a word ("(Jo)", "Smith,") is not part of the name.
      .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
      .filter((word) => Array.from(word).filter((c) => /\p{L}/u.test(c)).length >= 2);
    const capitalised = words.filter((word) => /^\p{Lu}/u.test(word));
    for (const word of capitalised.length > 0 ? capitalised : words) found.add(word);
  }
  return [...found];
}

/**
 * A phone number in the ways people write it: any separators between digits, with or without its country code
 * (`+44`, `0044`, `44`), the national trunk prefix (`020 …`, `+44 (0)20 …`) or neither. The country code comes from
 * libphonenumber; a number stored without one is found as stored, with any country code before it.
 */
function phonePattern(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < SHORTEST_PHONE_DIGITS) return null;
  const international = /^\s*(\+|00)/.test(phone) ? parsePhoneNumberFromString(`+${phone.trim().replace(/^(\+|00)/, '')}`) : undefined;
  const national = international ? international.nationalNumber : /^\s*0[1-9]/.test(phone) ? digits.slice(1) : digits;
  const code = international
    ? `(?:(?:\\+|00)${PHONE_SEPARATORS})?${digitsPattern(international.countryCallingCode)}`
    : `(?:\\+|00)${PHONE_SEPARATORS}[0-9]{1,3}`;
  const prefix = `(?:${code}${PHONE_SEPARATORS}(?:0${PHONE_SEPARATORS})?|0${PHONE_SEPARATORS})?`;
  return `(?<![0-9])\\(?${prefix}${digitsPattern(national)}(?![0-9])`;
}

function digitsPattern(digits: string): string {
  return Array.from(digits).join(PHONE_SEPARATORS);
}

/** The text as a case-insensitive ARE: letters as brackets of their cases, runs of space as any space. */
function literal(text: string): string {
  return Array.from(text.replace(/\s+/g, ' '))
    .map((char) => {
      if (char === ' ') return '[[:space:]]+';
      if (char === "'" || char === '\u2019') return "['\u2019]";
      const cases = unique([char, char.toLowerCase(), char.toUpperCase()].filter((c) => Array.from(c).length === 1));
      if (cases.length > 1) return `[${cases.join('')}]`;
      // A backslash before anything but a letter or digit makes it literal in an ARE.
      return /[\p{L}\p{N}]/u.test(char) ? char : `\\${char}`;
    })
    .join('');
}

const unique = (values: string[]): string[] => [...new Set(values)];
const byLength = (values: string[]): string[] => [...values].sort((a, b) => b.length - a.length);
