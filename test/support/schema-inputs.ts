import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isLeafType,
  isRequiredArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type GraphQLInputField,
} from 'graphql';
import { STRONG_PASSWORD } from './fixtures';

/**
 * Arguments for any field of the schema, generated from its input types: mostly well-formed in shape with hostile
 * content (so that they pass coercion and reach resolvers, validators and the database), sometimes of the wrong
 * type altogether (so that coercion itself is tried), sent as variables or written as literals.
 */

/** Ids that exist in the fuzzed tenant, so that generated ids sometimes name real records. */
export interface KnownIds {
  ids: string[];
}

export interface FuzzOperation {
  kind: 'query' | 'mutation';
  name: string;
  field: GraphQLField<unknown, unknown>;
}

export interface FuzzRequest {
  query: string;
  variables: Record<string, unknown>;
}

/** Every root field that takes arguments: the inputs are what is fuzzed, and fields without any have none. */
export function fuzzedOperations(schema: GraphQLSchema): FuzzOperation[] {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const;
  return roots.flatMap(([kind, type]) =>
    Object.values(type?.getFields() ?? {})
      .filter((field) => field.args.length > 0)
      .map((field) => ({ kind, name: field.name, field })),
  );
}

/** Text that has broken servers: storage limits, encodings, injection, control and formatting characters. */
const HOSTILE_TEXT = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00',
  '\udbff\udfff',
  '😀',
  '\u202egnp.exe',
  '\ufeff',
  "'; drop table client; --",
  '" or 1=1 --',
  '%E0%A4%A',
  '%00',
  '\\',
  '${7*7}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  'x'.repeat(256),
  'y'.repeat(5_001),
  'é'.repeat(20_001),
];

const ANY_CODE_POINTS = fc.string({ unit: 'binary', maxLength: 40 });
const GRAPHEMES = fc.string({ unit: 'grapheme', maxLength: 40 });

/** Hostile text alone, or around ordinary text. */
const hostileText = fc.oneof(
  fc.constantFrom(...HOSTILE_TEXT),
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...HOSTILE_TEXT), fc.string({ maxLength: 10 })).map((parts) => parts.join('')),
  ANY_CODE_POINTS,
);

/** Values shaped like what a field of this name holds, so that validation passes often enough to reach deeper code. */
function plausibleText(name: string): fc.Arbitrary<string> {
  if (/email/i.test(name))
    return fc.oneof(
      fc.emailAddress(),
      fc.uuid().map((id) => `fuzz-${id.slice(0, 8)}@example.test`),
    );
  if (/password/i.test(name)) return fc.oneof(fc.constant(STRONG_PASSWORD), fc.string({ minLength: 12, maxLength: 80 }));
  if (/phone/i.test(name)) return fc.constantFrom('+1 555 0100', '+44 20 7946 0000', '555-0199', '+1 (555) 010-0000');
  if (/currency/i.test(name)) return fc.constantFrom('USD', 'EUR', 'GBP', 'usd', 'XXX', 'US', '$');
  if (/country/i.test(name)) return fc.constantFrom('US', 'GB', 'DE', 'us', 'ZZ', 'USA');
  if (/website|url/i.test(name)) return fc.oneof(fc.webUrl(), fc.constantFrom('javascript:alert(1)', 'ftp://x', 'http://'));
  if (/visitorId/i.test(name)) return fc.oneof(fc.uuid(), fc.string({ unit: 'grapheme-ascii', minLength: 22, maxLength: 64 }));
  return fc.oneof(fc.string({ maxLength: 40 }), GRAPHEMES, fc.lorem({ maxCount: 5 }));
}

function stringValue(name: string): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: plausibleText(name) }, { weight: 2, arbitrary: hostileText });
}

function idValue(known: KnownIds): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known.ids) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('', '1', 'not-an-id', '00000000-0000-0000-0000-000000000000', `${known.ids[0]}\u0000`, `${known.ids[0]}x`) },
    { weight: 1, arbitrary: hostileText },
  );
}

const EARLIEST = Date.UTC(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const SOON = { min: new Date(Date.now() - 400 * 86_400_000), max: new Date(Date.now() + 400 * 86_400_000) };

const dateTimeValue = fc.oneof(
  { weight: 4, arbitrary: fc.date({ ...SOON, noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 2, arbitrary: fc.date({ min: new Date(EARLIEST), max: new Date(LATEST), noInvalidDate: true }).map((d) => d.toISOString()) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2026-01-31T10:30:00+01:00',
      '0000-06-01T00:00:00Z',
      '-000001-01-01T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-01-31',
      '1',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(fc.boolean(), fc.integer(), fc.double()) },
);

const localDateValue = fc.oneof(
  { weight: 4, arbitrary: fc.date({ min: new Date(EARLIEST), max: new Date(LATEST), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
  { weight: 2, arbitrary: fc.constantFrom('0001-01-01', '9999-12-31', '0000-01-01', '2026-02-29', '2026-13-01', '20260131') },
  { weight: 1, arbitrary: fc.oneof(fc.boolean(), fc.integer()) },
);

const intValue = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 120 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, -1, 100, 101, 200, 201, 2 ** 31 - 1, -(2 ** 31)) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 1.5, '1', true) },
);

const safeIntValue = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, -1, 10 ** 11, 10 ** 11 + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 53, 1.5, '5', 1e300) },
);

/** A value of the wrong type altogether, up to a little nesting. */
const junk = fc.jsonValue({ maxDepth: 2 });

function scalarValue(typeName: string, name: string, known: KnownIds): fc.Arbitrary<unknown> {
  switch (typeName) {
    case 'String':
      return stringValue(name);
    case 'ID':
      return idValue(known);
    case 'Int':
      return intValue;
    case 'Float':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      return dateTimeValue;
    case 'LocalDate':
      return localDateValue;
    case 'SafeInt':
      return safeIntValue;
    default:
      throw new Error(`No generator for scalar ${typeName}: add one, so that the fuzz suite covers it.`);
  }
}

/** A value for an input of `type`, named `name` (the field or argument: it picks plausible text). */
function inputValue(type: GraphQLInputType, name: string, known: KnownIds, depth: number): fc.Arbitrary<unknown> {
  const wrongType = { weight: 1, arbitrary: junk };
  if (isNonNullType(type)) {
    return fc.oneof({ weight: 20, arbitrary: inputValue(type.ofType, name, known, depth) }, { weight: 1, arbitrary: fc.constant(null) });
  }
  let value: fc.Arbitrary<unknown>;
  if (isListType(type)) {
    const item = inputValue(type.ofType, name, known, depth + 1);
    value = fc.oneof({ weight: 12, arbitrary: fc.array(item, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.array(item, { minLength: 150, maxLength: 220 }) });
  } else if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    if (depth > 4) return fc.constant(null);
    const model = Object.fromEntries(fields.map((field) => [field.name, inputValue(field.type, field.name, known, depth + 1)]));
    const required = fields.filter((field) => isNonNullType(field.type) && field.defaultValue === undefined).map((field) => field.name);
    value = fc.record(model, { requiredKeys: required });
  } else if (isEnumType(type)) {
    value = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) },
      { weight: 1, arbitrary: fc.constantFrom('NOPE', 'owner', '') },
    );
  } else {
    value = scalarValue(type.name, name, known);
  }
  return fc.oneof({ weight: 20, arbitrary: value }, { weight: 1, arbitrary: fc.constant(null) }, wrongType);
}

/** Arguments of `field` by name; an optional argument is sometimes left out (undefined). */
export function argumentsOf(field: GraphQLField<unknown, unknown>, known: KnownIds): fc.Arbitrary<Record<string, unknown>> {
  const model = Object.fromEntries(field.args.map((arg) => [arg.name, inputValue(arg.type, arg.name, known, 0)]));
  return fc.record(model, { requiredKeys: field.args.filter(isRequiredArgument).map((arg) => arg.name) });
}

/** The return type's leaf fields without required arguments, so that answers are serialised as clients see them. */
function selectionOf(field: GraphQLField<unknown, unknown>): string {
  const type = getNamedType(field.type);
  if (isLeafType(type)) return '';
  if (!isObjectType(type)) return '{ __typename }';
  const leaves = Object.values(type.getFields())
    .filter((f) => isLeafType(getNamedType(f.type)) && !f.args.some(isRequiredArgument))
    .map((f) => f.name);
  return `{ __typename ${leaves.join(' ')} }`;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** `value` written as a GraphQL literal for an input of `type` (a value of another type is written as it is). */
function literalOf(value: unknown, type: GraphQLInputType | null): string {
  if (value === null || value === undefined) return 'null';
  const inner = type && isNonNullType(type) ? type.ofType : type;
  if (Array.isArray(value)) {
    const item = inner && isListType(inner) ? inner.ofType : null;
    return `[${value.map((v) => literalOf(v, item)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = inner && isInputObjectType(inner) ? inner.getFields() : {};
    const entries = Object.entries(value).filter(([key, v]) => v !== undefined && NAME.test(key));
    return `{ ${entries.map(([key, v]) => `${key}: ${literalOf(v, (fields[key] as GraphQLInputField | undefined)?.type ?? null)}`).join(', ')} }`;
  }
  if (typeof value === 'string' && inner && isEnumType(inner) && NAME.test(value) && !['true', 'false', 'null'].includes(value)) return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  return JSON.stringify(value);
}

/** The request for `operation` with `args`: as variables of the arguments' own types, or written inline. */
export function requestFor(operation: FuzzOperation, args: Record<string, unknown>, inline: boolean): FuzzRequest {
  const given = operation.field.args.filter((arg) => args[arg.name] !== undefined);
  const selection = selectionOf(operation.field);
  if (inline) {
    const written = given.map((arg) => `${arg.name}: ${literalOf(args[arg.name], arg.type)}`).join(', ');
    return { query: `${operation.kind} Fuzz { ${operation.name}${written ? `(${written})` : ''} ${selection} }`, variables: {} };
  }
  const declared = given.map((arg, i) => `$v${i}: ${String(arg.type)}`).join(', ');
  const passed = given.map((arg, i) => `${arg.name}: $v${i}`).join(', ');
  return {
    query: `${operation.kind} Fuzz${declared ? `(${declared})` : ''} { ${operation.name}${passed ? `(${passed})` : ''} ${selection} }`,
    variables: Object.fromEntries(given.map((arg, i) => [`v${i}`, args[arg.name]])),
  };
}
