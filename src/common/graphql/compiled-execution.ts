import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import {
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type ExecutionResult,
  type GraphQLSchema,
  type SelectionSetNode,
  type Source,
  type SourceLocation,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type SchemaListener = Parameters<Gateway['onSchemaLoadOrUpdate']>[0];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;
type ExecutionRequest = Parameters<Executor>[0];

/**
 * Heap a compiled document holds per field it selects (fragments expanded): generated code, a resolver handler and a
 * resolve info per field, and the document itself. Measured in heap snapshots of the app after a load: 500 compiled
 * partner pages (38 fields each) retained 185 MB, ~9.7 KB per field; bounded at 32 MiB, the cache retained 33.5 MB.
 */
export const COMPILED_BYTES_PER_FIELD = 10_000;
/** What a document that runs on graphql-js costs in the cache: its key and a marker. */
const MARKER_BYTES = 200;
/** The default bound (GRAPHQL_COMPILED_CACHE_MB's): ~40 documents the size of the partner page, more small ones. */
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
/** Documents seen once and not yet compiled, remembered so that a second sighting compiles them. */
const SIGHTED_DOCUMENTS = 5000;

/** A document graphql-jit could not compile runs on graphql-js; remembered so that it is not compiled again. */
const NOT_COMPILABLE = 'graphql-js';

type CacheEntry = CompiledQuery | typeof NOT_COMPILABLE;

/**
 * The fields an operation selects, each fragment spread counted with the fields of its fragment: what graphql-jit
 * generates code for. Each fragment is counted once and its count reused; a cycle (refused by validation) counts 0.
 */
export function selectedFields(document: DocumentNode, operationName: string | undefined): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const counted = new Map<string, number>();
  const count = (selectionSet: SelectionSetNode | undefined): number => {
    let fields = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) fields += 1 + count(selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) fields += count(selection.selectionSet);
      else fields += countFragment(selection.name.value);
    }
    return fields;
  };
  const countFragment = (name: string): number => {
    const known = counted.get(name);
    if (known !== undefined) return known;
    counted.set(name, 0);
    const fields = count(fragments.get(name)?.selectionSet);
    counted.set(name, fields);
    return fields;
  };
  const operation = getOperationAST(document, operationName);
  return operation ? count(operation.selectionSet) : 0;
}

export interface CompiledExecutionOptions {
  /**
   * How many times a document must be seen before it is compiled (default 2). One-off documents (someone exploring
   * in Apollo Sandbox, a client sending a new document each time) then run on graphql-js and never push the documents
   * that integrations send again and again out of the compiled cache, nor cost a compilation each.
   */
  compileAfterSightings?: number;
  /**
   * Estimated heap the compiled documents may hold together (see COMPILED_BYTES_PER_FIELD); the least recently used
   * are forgotten first. A document whose estimate alone exceeds it runs on graphql-js. Default 16 MiB.
   */
  maxBytes?: number;
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
  private readonly compiled: LRUCache<string, CacheEntry>;
  private readonly sightings = new LRUCache<string, number>({ max: SIGHTED_DOCUMENTS });
  private readonly compileAfterSightings: number;
  private compilations = 0;

  constructor(options: CompiledExecutionOptions = {}) {
    this.compileAfterSightings = Math.max(1, options.compileAfterSightings ?? 2);
    this.compiled = new LRUCache<string, CacheEntry>({ maxSize: Math.max(MARKER_BYTES, options.maxBytes ?? DEFAULT_MAX_BYTES) });
  }

  /** How many documents are held compiled (or known not to compile). */
  get compiledDocuments(): number {
    return this.compiled.size;
  }

  /** What the cache holds: documents compiled (or known to run on graphql-js), their estimated heap, and its bound. */
  get cacheStats(): { documents: number; bytes: number; maxBytes: number; compilations: number } {
    return { documents: this.compiled.size, bytes: this.compiled.calculatedSize, maxBytes: this.compiled.maxSize, compilations: this.compilations };
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
    const bytes = selectedFields(document, operationName) * COMPILED_BYTES_PER_FIELD;
    if (bytes > this.compiled.maxSize) {
      this.compiled.set(key, NOT_COMPILABLE, { size: MARKER_BYTES });
      return NOT_COMPILABLE;
    }
    this.compilations += 1;
    const compiled = compileQuery(schema, document, operationName);
    const entry = isCompiledQuery(compiled) ? compiled : NOT_COMPILABLE;
    this.compiled.set(key, entry, { size: entry === NOT_COMPILABLE ? MARKER_BYTES : Math.max(MARKER_BYTES, bytes) });
    return entry;
  }
}
