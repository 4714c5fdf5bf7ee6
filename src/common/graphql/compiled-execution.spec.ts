import { GraphQLISODateTime } from '@nestjs/graphql';
import {
  execute,
  getOperationAST,
  GraphQLEnumType,
  GraphQLError,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
  type ExecutionResult,
} from 'graphql';
import { AppError, ErrorCode } from '../errors/app-errors';
import { COMPILED_BYTES_PER_FIELD, CompiledExecution, selectedFields } from './compiled-execution';
import { LocalDate, MinorUnits } from './scalars';

interface Context {
  calls: string[];
}

const Status = new GraphQLEnumType({ name: 'Status', values: { QUOTE: { value: 'QUOTE' }, PAID: { value: 'PAID' } } });

const Line = new GraphQLObjectType({
  name: 'Line',
  fields: {
    sku: { type: GraphQLString },
    unitPrice: { type: MinorUnits },
    unitCost: {
      type: MinorUnits,
      resolve: () => {
        throw new AppError(ErrorCode.FORBIDDEN_FIELD, 'Reading Line.unitCost requires FINANCIALS_READ.', { requiredPermission: 'FINANCIALS_READ' });
      },
    },
  },
});

const Order = new GraphQLObjectType({
  name: 'Order',
  fields: {
    id: { type: new GraphQLNonNull(GraphQLString) },
    status: { type: Status },
    updatedAt: { type: GraphQLISODateTime },
    inHandsDate: { type: LocalDate },
    subtotal: { type: MinorUnits },
    lines: { type: new GraphQLList(new GraphQLNonNull(Line)) },
    brokenTotal: { type: MinorUnits, resolve: () => 2 ** 60 },
    required: { type: new GraphQLNonNull(GraphQLString), resolve: () => Promise.reject(new Error('database gone')) },
  },
});

const order = {
  id: 'o1',
  status: 'PAID',
  updatedAt: new Date('2026-11-25T06:00:00.123Z'),
  inHandsDate: '2027-05-01',
  subtotal: 36_000,
  lines: [
    { sku: 'CAP-1', unitPrice: 900 },
    { sku: null, unitPrice: 0 },
  ],
};

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      order: { type: Order, resolve: () => Promise.resolve(order) },
      ordersSince: {
        type: new GraphQLList(Order),
        args: {
          filter: {
            type: new GraphQLNonNull(
              new GraphQLInputObjectType({
                name: 'Filter',
                fields: { updatedAfter: { type: new GraphQLNonNull(GraphQLISODateTime) }, status: { type: new GraphQLList(Status) } },
              }),
            ),
          },
        },
        resolve: (_root, args: { filter: { updatedAfter: Date; status?: string[] } }) => [
          { ...order, id: `since ${args.filter.updatedAfter.toISOString()} ${args.filter.status?.join(',') ?? 'any'}` },
        ],
      },
    },
  }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      slow: { type: GraphQLString, resolve: async (_root, _args, ctx: Context) => (await delay(30), ctx.calls.push('slow'), 'slow') },
      fast: {
        type: GraphQLString,
        resolve: (_root, _args, ctx: Context) => {
          ctx.calls.push('fast');
          return Promise.resolve('fast');
        },
      },
    },
  }),
});

async function executorFor(
  execution = new CompiledExecution({ compileAfterSightings: 1 }),
): Promise<(query: string, variables?: Record<string, unknown>, operationName?: string) => Promise<[ExecutionResult, Context]>> {
  execution.captureSchema(schema);
  const { executor } = await execution.gateway.load({ apollo: {} });
  if (!executor) throw new Error('The gateway gave no executor.');
  return async (query, variables, operationName) => {
    const document = parse(query);
    const context: Context = { calls: [] };
    const request = { document, operation: getOperationAST(document, operationName), request: { query, variables, operationName }, queryHash: query, context };
    const result = await executor(request as unknown as Parameters<typeof executor>[0]);
    return [result, context];
  };
}

async function byGraphQLJs(query: string, variables?: Record<string, unknown>, operationName?: string): Promise<[ExecutionResult, Context]> {
  const context: Context = { calls: [] };
  const result = await execute({ schema, document: parse(query), contextValue: context, variableValues: variables, operationName });
  return [result, context];
}

/** What Apollo reads from an error: the JSON it sends, and the original error the formatter unwraps. */
function asSeen(result: ExecutionResult) {
  return {
    json: JSON.parse(JSON.stringify(result)) as unknown,
    errors: result.errors?.map((error) => ({
      isGraphQLJs: error instanceof GraphQLError && error.constructor === GraphQLError,
      extensions: error.extensions,
      original: error.originalError?.constructor.name,
      code: error.originalError instanceof AppError ? error.originalError.code : undefined,
    })),
  };
}

describe('compiled execution (graphql-jit behind the Apollo gateway hook)', () => {
  let run: Awaited<ReturnType<typeof executorFor>>;
  beforeAll(async () => {
    run = await executorFor();
  });

  it.each([
    ['custom scalars, enums and lists', `{ order { id status updatedAt inHandsDate subtotal lines { sku unitPrice } } }`],
    ['a forbidden field: null at its path, the rest stands', `{ order { id lines { sku unitCost } } }`],
    ['a failing non-null field nulls its parent', `{ order { id required } }`],
  ])('%s: the same response as graphql-js', async (_name, query) => {
    const [[compiled], [interpreted]] = await Promise.all([run(query), byGraphQLJs(query)]);
    expect(asSeen(compiled)).toEqual(asSeen(interpreted));
  });

  it("a scalar that cannot serialise its value: the same response, without the scalar's own error object", async () => {
    // graphql-jit keeps only the message of a serialisation error; either way the formatter sees no AppError and
    // answers INTERNAL_SERVER_ERROR.
    const query = `{ order { id brokenTotal } }`;
    const [[compiled], [interpreted]] = await Promise.all([run(query), byGraphQLJs(query)]);
    expect(asSeen(compiled).json).toEqual(asSeen(interpreted).json);
    expect(compiled.errors?.[0]?.originalError).toBeUndefined();
  });

  it('coerces variables as graphql-js does, custom scalars included, and refuses bad ones with its errors', async () => {
    const query = `query($since: DateTime!, $status: [Status!]) { ordersSince(filter: { updatedAfter: $since, status: $status }) { id } }`;
    for (const variables of [
      { since: '2026-11-25T06:00:00.123Z', status: 'PAID' },
      { since: '2026-11-25T06:00:00Z' },
      { since: 'yesterday' },
      { since: '2026-11-25T06:00:00Z', status: ['SHIPPED'] },
      {},
    ]) {
      const [[compiled], [interpreted]] = await Promise.all([run(query, variables), byGraphQLJs(query, variables)]);
      expect(asSeen(compiled)).toEqual(asSeen(interpreted));
      // Apollo answers 400 BAD_USER_INPUT only for variable errors that carry the variable's definition node.
      const variableErrorNodes = (result: ExecutionResult) => result.errors?.filter((error) => !error.path).map((error) => error.nodes?.[0]?.kind);
      expect(variableErrorNodes(compiled)).toEqual(variableErrorNodes(interpreted));
    }
  });

  it('runs mutation fields one after another', async () => {
    const [result, context] = await run(`mutation { slow fast }`);
    expect(result).toEqual({ data: { slow: 'slow', fast: 'fast' } });
    expect(context.calls).toEqual(['slow', 'fast']);
  });

  it('leaves what it can not compile to graphql-js', async () => {
    const query = `query A { order { id } } query B { order { status } }`;
    const [[compiled], [interpreted]] = await Promise.all([run(query, {}, 'C'), byGraphQLJs(query, {}, 'C')]);
    expect(compiled).toEqual(interpreted);
    expect(compiled.errors?.[0]?.message).toBe('Unknown operation named "C".');
    expect((await run(query, {}, 'B'))[0]).toEqual({ data: { order: { status: 'PAID' } } });
  });

  it('compiles a document on its second sighting: one-off documents run on graphql-js and take no place in the cache', async () => {
    const execution = new CompiledExecution();
    const twice = await executorFor(execution);
    const query = `{ order { id status } }`;
    const [first] = await twice(query);
    expect(execution.compiledDocuments).toBe(0);
    const [second] = await twice(query);
    expect(execution.compiledDocuments).toBe(1);
    expect(second).toEqual(first);
    await twice(`{ order { id } }`);
    expect(execution.compiledDocuments).toBe(1);
  });
});

describe('the compiled-document cache', () => {
  // Documents that differ only in an inlined value, as a client that writes values into its documents sends them.
  const distinct = (i: number) =>
    `{ ordersSince(filter: { updatedAfter: "2026-11-25T06:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z" }) { id status subtotal lines { sku unitPrice } } }`;

  it('counts the fields an operation selects, each fragment spread with its fragment', () => {
    expect(selectedFields(parse(`{ order { id lines { sku } } }`), undefined)).toBe(4);
    const withFragments = parse(`query A { order { ...O ... on Order { status } } b: order { ...O } }
      fragment O on Order { id lines { ...L } } fragment L on Line { sku unitPrice }`);
    // order, status, b, and O (id, lines, sku, unitPrice) twice.
    expect(selectedFields(withFragments, 'A')).toBe(3 + 2 * 4);
  });

  it('keeps the estimated heap of its documents under its bound, forgetting the least recently used', async () => {
    const perDocument = selectedFields(parse(distinct(0)), undefined) * COMPILED_BYTES_PER_FIELD;
    const execution = new CompiledExecution({ compileAfterSightings: 1, maxBytes: 20 * perDocument });
    const run = await executorFor(execution);
    const hot = `{ order { id status } }`;
    const [expected] = await run(hot);
    for (let i = 0; i < 120; i++) {
      const [result] = await run(distinct(i));
      expect(result.errors).toBeUndefined();
      // A document used all along stays compiled: it is served from the cache, not compiled again.
      expect((await run(hot))[0]).toEqual(expected);
      expect(execution.cacheStats.bytes).toBeLessThanOrEqual(20 * perDocument);
    }
    const stats = execution.cacheStats;
    expect(stats.documents).toBeLessThanOrEqual(20);
    expect(stats.compilations).toBe(121);
    const [again] = await run(hot);
    expect(again).toEqual(expected);
    expect(execution.cacheStats.compilations).toBe(121);
    // The most recent distinct document is still compiled; the first one was forgotten and is compiled anew.
    await run(distinct(119));
    expect(execution.cacheStats.compilations).toBe(121);
    await run(distinct(0));
    expect(execution.cacheStats.compilations).toBe(122);
  });

  it('runs a document too large for the whole cache on graphql-js, without compiling it', async () => {
    const execution = new CompiledExecution({ compileAfterSightings: 1, maxBytes: 3 * COMPILED_BYTES_PER_FIELD });
    const run = await executorFor(execution);
    const query = `{ order { id status subtotal lines { sku unitPrice } } }`;
    const [[result], [interpreted]] = await Promise.all([run(query), byGraphQLJs(query)]);
    expect(result).toEqual(interpreted);
    await run(query);
    expect(execution.cacheStats).toMatchObject({ documents: 1, compilations: 0 });
    expect(execution.cacheStats.bytes).toBeLessThanOrEqual(3 * COMPILED_BYTES_PER_FIELD);
  });
});
