import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import {
  execute,
  getVariableValues,
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type Source,
  type SourceLocation,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type SchemaListener = Parameters<Gateway['onSchemaLoadOrUpdate']>[0];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;
type ExecutionRequest = Parameters<Executor>[0];

/** Distinct documents kept compiled. A partner integration sends a handful; the bound caps what odd clients can cost. */
const COMPILED_DOCUMENTS = 500;
/** Documents seen once and not yet compiled, remembered so that a second sighting compiles them. */
const SIGHTED_DOCUMENTS = 5000;

/** A document graphql-jit could not compile runs on graphql-js; remembered so that it is not compiled again. */
const NOT_COMPILABLE = 'graphql-js';

/** A bounded map that forgets its least recently used entry first. */
class LruMap<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: V): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

export interface CompiledExecutionOptions {
  /**
   * How many times a document must be seen before it is compiled (default 2). One-off documents (someone exploring
   * in Apollo Sandbox, a client sending a new document each time) then run on graphql-js and never push the documents
   * that integrations send again and again out of the compiled cache, nor cost a compilation each.
   */
  compileAfterSightings?: number;
}

/** Offset of a line/column location in the document's text, so that graphql-js can place the error itself. */
function positionOf(body: string, location: SourceLocation): number {
  const lineBreak = /\r\n|[\n\r]/g;
  let lineStart = 0;
  for (let line = 1; line < location.line && lineBreak.exec(body); line++) lineStart = lineBreak.lastIndex;
  return lineStart + location.column - 1;
}

/**
 * graphql-jit reports errors with its own GraphQLError look-alike: no `nodes`, and no `extensions` object unless the
 * original error had one, which Apollo's error normalisation reads unguarded. Rebuilt as graphql-js errors, they reach
 * the error formatter exactly as graphql-js's own would (message, locations, path, original error, extensions).
 */
function asGraphQLJsError(error: GraphQLError, source: Source | undefined): GraphQLError {
  return new GraphQLError(error.message, {
    source,
    positions: source && error.locations ? error.locations.map((location) => positionOf(source.body, location)) : undefined,
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
}

/**
 * Executes operations with graphql-jit: each document seen more than once is compiled once into a function that resolves the same
 * resolvers without graphql-js's per-field interpretation, which on a 50-order page of ~3,500 fields is the largest
 * cost of a request after the database (see STACK.md).
 *
 * Apollo Server 5 has no executor option; a gateway is its one way to take over execution, and everything before
 * execution (parsing, validation with GraphQL Armor's rules, the request plugins' executionDidStart and
 * willSendResponse) still runs as usual. Plugin `willResolveField` hooks do not fire: none is used. Nest builds the
 * schema; `transformSchema` hands it over before Apollo starts the gateway.
 */
export class CompiledExecution {
  private schema: GraphQLSchema | null = null;
  private readonly listeners = new Set<SchemaListener>();
  private readonly compiled = new LruMap<CompiledQuery | typeof NOT_COMPILABLE>(COMPILED_DOCUMENTS);
  private readonly sightings = new LruMap<number>(SIGHTED_DOCUMENTS);
  private readonly compileAfterSightings: number;

  constructor(options: CompiledExecutionOptions = {}) {
    this.compileAfterSightings = Math.max(1, options.compileAfterSightings ?? 2);
  }

  /** How many documents are held compiled (or known not to compile). */
  get compiledDocuments(): number {
    return this.compiled.size;
  }

  /** For GraphQLModule's `transformSchema`: keeps the schema Nest built, unchanged. */
  readonly captureSchema = (schema: GraphQLSchema): GraphQLSchema => {
    this.schema = schema;
    this.compiled.clear();
    this.sightings.clear();
    for (const listener of this.listeners) listener({ apiSchema: schema, coreSupergraphSdl: '' });
    return schema;
  };

  readonly gateway: Gateway = {
    onSchemaLoadOrUpdate: (listener) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
    load: () => {
      const schema = this.requireSchema();
      for (const listener of this.listeners) listener({ apiSchema: schema, coreSupergraphSdl: '' });
      return Promise.resolve({ executor: (request) => this.execute(request) });
    },
    stop: () => {
      this.listeners.clear();
      this.compiled.clear();
      this.sightings.clear();
      return Promise.resolve();
    },
  };

  private requireSchema(): GraphQLSchema {
    if (!this.schema) throw new Error('The GraphQL schema was not captured: pass captureSchema as transformSchema.');
    return this.schema;
  }

  private async execute({ document, operation, request, queryHash, context }: ExecutionRequest): Promise<ExecutionResult> {
    const schema = this.requireSchema();
    const operationName = request.operationName ?? undefined;
    const query = this.compile(schema, document, `${queryHash}:${operationName ?? ''}`, operationName);
    if (query === NOT_COMPILABLE) {
      return execute({ schema, document, contextValue: context, variableValues: request.variables, operationName });
    }
    // Variables are coerced by graphql-js first, so that a bad variable is refused with graphql-js's own error (which
    // Apollo recognises as BAD_USER_INPUT, HTTP 400); graphql-jit then coerces the same valid values again.
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const result = await query.query(undefined, context, request.variables);
    if (!result.errors) return result;
    const source = document.loc?.source;
    return { ...result, errors: result.errors.map((error) => asGraphQLJsError(error, source)) };
  }

  /** The compiled query for the document, or NOT_COMPILABLE: graphql-js runs it (not compilable, or not seen enough). */
  private compile(schema: GraphQLSchema, document: DocumentNode, key: string, operationName: string | undefined): CompiledQuery | typeof NOT_COMPILABLE {
    const cached = this.compiled.get(key);
    if (cached !== undefined) return cached;
    const seen = (this.sightings.get(key) ?? 0) + 1;
    if (seen < this.compileAfterSightings) {
      this.sightings.set(key, seen);
      return NOT_COMPILABLE;
    }
    this.sightings.delete(key);
    const compiled = compileQuery(schema, document, operationName);
    const entry = isCompiledQuery(compiled) ? compiled : NOT_COMPILABLE;
    this.compiled.set(key, entry);
    return entry;
  }
}
