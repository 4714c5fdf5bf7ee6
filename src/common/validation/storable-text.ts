/**
 * Text PostgreSQL cannot store as given: NUL (U+0000), which text and json refuse, and unpaired UTF-16 surrogates
 * ("\ud800" in JSON), which are not Unicode: text would silently hold U+FFFD instead, json refuses them, and
 * validators that percent-encode (email checks) throw "URI malformed". In a `u` regex a well-formed pair is one
 * code point, so \p{Cs} matches only a surrogate that stands alone.
 */
const UNSTORABLE_TEXT: readonly { pattern: RegExp; problem: string }[] = [
  // eslint-disable-next-line no-control-regex -- NUL is the character refused here
  { pattern: /\u0000/, problem: 'must not contain NUL characters' },
  { pattern: /\p{Cs}/u, problem: 'must be well-formed Unicode (it holds an unpaired UTF-16 surrogate)' },
];

/** What is wrong with `text` for storage ("must not contain NUL characters", …); empty when it can be stored. */
export function unstorableTextProblems(text: string): string[] {
  return UNSTORABLE_TEXT.filter(({ pattern }) => pattern.test(text)).map(({ problem }) => problem);
}
