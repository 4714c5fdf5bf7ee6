import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ValidationRule } from 'graphql';
import type { AppConfig } from '../../config/app-config.js';
import { accessLogPlugin } from './access-log.plugin.js';
import { aliasLimitRule } from './alias-limit.rule.js';
import { parsedDocumentStore, persistedQueryStore } from './bounded-document.store.js';
import { CompiledExecution } from './compiled-execution.js';
import { buildErrorFormatter } from './error-formatting.js';
import { operationKindRule } from './operation-kind.rule.js';
import { responseStatusPlugin } from './response-status.plugin.js';
import { DateTime } from './scalars.js';

export interface GraphQLBuildOptions {
  /** Where to write the SDL; `true` keeps it in memory (production). */
  schemaFile: string | true;
}

/** Apollo's gateway option, which @nestjs/apollo's config type leaves out but passes through to Apollo Server. */
type ApolloOptionsWithGateway = ApolloDriverConfig & Pick<CompiledExecution, 'gateway'>;

const MiB = 1024 * 1024;
/** Texts of automatic persisted queries: ~10,000 documents of 200 characters. */
const PERSISTED_QUERY_BYTES = 4 * MiB;

/**
 * The limits every document is validated against (GraphQL Armor's depth, cost and directive limits, the alias limit,
 * the operation kinds), with Armor's plugins: for Apollo, and for the compiled read path, which validates the
 * documents it serves with the same rules.
 */
export function documentHardening(config: AppConfig): { validationRules: ValidationRule[]; plugins: ReturnType<ApolloArmor['protect']>['plugins'] } {
  const armor = new ApolloArmor({
    maxDepth: { n: config.GRAPHQL_MAX_DEPTH, ignoreIntrospection: true, flattenFragments: true },
    costLimit: { maxCost: config.GRAPHQL_MAX_COST, ignoreIntrospection: true },
    // Armor's token limit parses in a plugin hook, where any syntax error (its own refusal included) becomes an
    // HTTP 500; graphql-js enforces the same limit in Apollo's parse step instead (see parseOptions).
    maxTokens: { enabled: false },
    maxDirectives: { n: config.GRAPHQL_MAX_DIRECTIVES },
    // Replaced by aliasLimitRule, which also counts __typename aliases.
    maxAliases: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  }).protect();
  return {
    validationRules: [operationKindRule, ...armor.validationRules, aliasLimitRule(config.GRAPHQL_MAX_ALIASES)],
    plugins: armor.plugins,
  };
}

/** Apollo Server with the hardening the API promises on by default, executing operations compiled by graphql-jit. */
export function buildGraphQLOptions(config: AppConfig, options: GraphQLBuildOptions): ApolloOptionsWithGateway {
  const execution = new CompiledExecution({ maxBytes: config.GRAPHQL_COMPILED_CACHE_MB * MiB });
  const armor = documentHardening(config);

  return {
    autoSchemaFile: options.schemaFile,
    transformSchema: execution.captureSchema,
    gateway: execution.gateway,
    sortSchema: true,
    // Every Date in inputs and types is the strict DateTime (RFC 3339 with an offset, years 0001–9999).
    buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTime }] },
    playground: false,
    introspection: !config.isProduction,
    csrfPrevention: true,
    hideSchemaDetailsFromClientErrors: true,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // Apollo pretty-prints every response by default (indentation doubles a page's size and its stringify time).
    stringifyResult: (result: unknown) => JSON.stringify(result),
    // Apollo's own stores would each hold up to 30 MiB of JSON or text (~120 MB of heap for parsed documents).
    documentStore: parsedDocumentStore(config.GRAPHQL_DOCUMENT_CACHE_MB * MiB),
    cache: persistedQueryStore(PERSISTED_QUERY_BYTES),
    // A document over the limit fails to parse (GRAPHQL_PARSE_FAILED, HTTP 400); the error formatter names it.
    parseOptions: { maxLexicalTokens: config.GRAPHQL_MAX_TOKENS },
    path: '/graphql',
    context: ({ req, res }: { req: unknown; res: unknown }) => ({ req, res }),
    validationRules: armor.validationRules,
    // Apollo ships separate CJS and ESM declarations, and @nestjs/apollo is typed against the ESM copy.
    plugins: [
      ...armor.plugins,
      responseStatusPlugin,
      accessLogPlugin,
      // The API sets no cache hints; Apollo's default cache-control plugin would still wrap every field resolution.
      ApolloServerPluginCacheControlDisabled(),
      config.isProduction ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ] as unknown as ApolloDriverConfig['plugins'],
    formatError: buildErrorFormatter(config.isProduction),
    // @nestjs/apollo would reset every executed operation's status to 200, undoing the 503 that responseStatusPlugin
    // gives a request whose resolvers could not reach the database (no resolver error carries extensions.http).
    preserveHttpStatusForExecutionErrors: false,
  };
}
