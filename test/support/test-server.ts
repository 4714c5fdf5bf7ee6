import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from '../../src/config/app-config';
import { createRootLogger } from '../../src/common/logging/logger';
import { startServer, type RunningServer } from '../../src/server';
import type { LogCapture } from './log-capture';
import { loadMigrations } from './migrations';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
  };
}

export type ResponseError = NonNullable<GraphQLResponse['body']['errors']>[number];

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown>;
  token?: string;
  headers?: Record<string, string>;
}

export interface TestServer extends RunningServer {
  schemaFile: string;
  gql<T = Record<string, unknown>>(request: GraphQLRequest): Promise<GraphQLResponse<T>>;
  /** Raw HTTP, for requests that are not well-formed GraphQL. */
  post(path: string, body: string, headers?: Record<string, string>): Promise<Response>;
}

/**
 * A real server on a real port and the run's database (PostgreSQL or PGlite), configured like production except
 * where a test overrides a setting. With `logs`, the server's JSON log lines go there instead of stdout.
 */
export async function startTestServer(env: Record<string, string> = {}, options: { logs?: LogCapture } = {}): Promise<TestServer> {
  const schemaFile = join(mkdtempSync(join(tmpdir(), 'promox-schema-')), 'schema.gql');
  const config = loadAppConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    HOST: '127.0.0.1',
    PORT: '0',
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-000',
    SUPPRESSION_HASH_KEY: 'test-suppression-key-that-is-long-enough-000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SEED_DEMO: 'false',
    DATABASE_POOL_SIZE: '4',
    RATE_LIMIT_KEY_PREFIX: `test:${randomUUID()}:`,
    // Suites share one database: a runner polling in another suite's server would take this suite's privacy jobs.
    // Tests run the jobs they mean to run with PrivacyJobRunner.runDue().
    PRIVACY_JOB_INTERVAL_SECONDS: '0',
    // Suites add members freely; the billing suites set the trial's seat limit they test.
    BILLING_TRIAL_SEAT_LIMIT: '1000',
    // Suites that run their assertions once more on the resolvers alone set it (see resolvers-only.ts).
    ...(process.env.TEST_COMPILED_READS ? { COMPILED_READS: process.env.TEST_COMPILED_READS } : {}),
    ...env,
  });
  const server = await startServer({
    config,
    logger: createRootLogger(config.LOG_LEVEL, options.logs),
    schemaFile,
    migrationsList: loadMigrations(),
  });
  return {
    ...server,
    schemaFile,
    async gql<T>({ query, variables, token, headers }: GraphQLRequest): Promise<GraphQLResponse<T>> {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      let body: GraphQLResponse<T>['body'];
      try {
        body = JSON.parse(text) as GraphQLResponse<T>['body'];
      } catch {
        throw new Error(`Non-JSON response (${response.status}): ${text.slice(0, 500)}`);
      }
      return { status: response.status, headers: response.headers, body };
    },
    post(path: string, body: string, headers: Record<string, string> = {}) {
      return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    },
  };
}

/** The first error's code, for terse assertions. */
export function errorCode(response: GraphQLResponse): string | undefined {
  return response.body.errors?.[0]?.extensions?.code;
}

/** The data of a response that must have succeeded; otherwise fails with the whole response in the message. */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  if (!response.body.data || response.body.errors?.length) {
    throw new Error(`Expected data without errors, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body.data;
}

/** The data of a response, which may come with errors (a refused field, the rest answered); fails when there is none. */
export function partialDataOf<T>(response: GraphQLResponse<T>): T {
  if (!response.body.data) throw new Error(`Expected data, got ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.data;
}

/** The errors of a response that must have failed, the first one first; fails when there are none. */
export function errorsOf<T>(response: GraphQLResponse<T>): [ResponseError, ...ResponseError[]] {
  const errors = response.body.errors ?? [];
  const first = errors.at(0);
  if (!first) throw new Error(`Expected errors, got ${response.status}: ${JSON.stringify(response.body)}`);
  return [first, ...errors.slice(1)];
}

/** The fields a BAD_USER_INPUT validation error names (`extensions.fields`). */
export function badFields<T>(response: GraphQLResponse<T>): string[] {
  const fields = response.body.errors?.[0]?.extensions?.fields as { field: string }[] | undefined;
  return (fields ?? []).map((f) => f.field);
}
