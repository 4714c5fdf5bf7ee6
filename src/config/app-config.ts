import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { parseBillingPlans, type BillingPlanConfig } from './billing-plans.js';

// Reads the raw value: implicit conversion would already have turned the string "false" into true.
const toBoolean = ({ obj, key }: { obj: Record<string, unknown>; key: string }): unknown => {
  const raw = obj[key];
  return typeof raw === 'string' ? ['1', 'true', 'yes', 'on'].includes(raw.trim().toLowerCase()) : raw;
};

/**
 * Every setting the service reads, typed and validated once at start. docs/configuration.md's table mirrors
 * this class; a wrong value stops the boot with a message naming the variable.
 */
export class AppConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  @Type(() => Number)
  PORT: number = 3000;

  @IsString()
  HOST: string = '0.0.0.0';

  /** PostgreSQL connection URL; without it the embedded PGlite server under DATA_DIR is used. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsInt()
  @Min(1)
  @Max(200)
  @Type(() => Number)
  DATABASE_POOL_SIZE: number = 10;

  /**
   * How long a request waits for a database connection (a free one from the pool, or a new one being opened) before
   * it fails with SERVICE_UNAVAILABLE (HTTP 503) instead of waiting for a database that does not answer.
   */
  @IsInt()
  @Min(100)
  @Max(120_000)
  @Type(() => Number)
  DATABASE_ACQUIRE_TIMEOUT_MS: number = 5_000;

  /** How long /health/ready waits for the database's answer before it reports it down (HTTP 503). */
  @IsInt()
  @Min(100)
  @Max(60_000)
  @Type(() => Number)
  READINESS_TIMEOUT_MS: number = 2_000;

  /** Where the embedded database and generated development secrets live. */
  @IsString()
  @MinLength(1)
  DATA_DIR: string = '.data';

  /** HMAC key for access tokens. Required in production; generated once into DATA_DIR otherwise. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  /** Key of the suppression list's hashes (HMAC); must never change once set, or suppressed addresses stop matching. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'SUPPRESSION_HASH_KEY must be at least 32 characters' })
  SUPPRESSION_HASH_KEY?: string;

  @IsInt()
  @Min(60)
  @Max(86_400)
  @Type(() => Number)
  ACCESS_TOKEN_TTL_SECONDS: number = 900;

  @IsInt()
  @Min(1)
  @Max(365)
  @Type(() => Number)
  REFRESH_TOKEN_TTL_DAYS: number = 30;

  /** How long a verified API key is remembered by an instance (0: look it up on every request). */
  @IsInt()
  @Min(0)
  @Max(300)
  @Type(() => Number)
  API_KEY_CACHE_SECONDS: number = 10;

  @IsInt()
  @Min(1)
  @Max(24 * 30)
  @Type(() => Number)
  INVITATION_TTL_HOURS: number = 168;

  /** After this many days the IP addresses kept with audit entries and sessions lose their last octet (IPv6: 80 bits). */
  @IsInt()
  @Min(1)
  @Max(3650)
  @Type(() => Number)
  IP_RETENTION_DAYS: number = 30;

  /** Usage events (page views, features, sessions) and per-operation counts are deleted after this many days. */
  @IsInt()
  @Min(1)
  @Max(3650)
  @Type(() => Number)
  USAGE_RETENTION_DAYS: number = 180;

  /** A closed tenant's grace period: it can be reopened for this many days, then its data is purged. */
  @IsInt()
  @Min(1)
  @Max(365)
  @Type(() => Number)
  TENANT_CLOSURE_GRACE_DAYS: number = 30;

  /** How often an instance runs the retention jobs (IP truncation, usage deletion); 0 turns the schedule off. */
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 60)
  @Type(() => Number)
  MAINTENANCE_INTERVAL_MINUTES: number = 60;

  /** How often an instance looks for privacy-request work that is due (verified requests, retries); 0 turns it off. */
  @IsInt()
  @Min(0)
  @Max(3600)
  @Type(() => Number)
  PRIVACY_JOB_INTERVAL_SECONDS: number = 10;

  /** How often a privacy request's background job is tried before it waits for a person (lastError shows why). */
  @IsInt()
  @Min(1)
  @Max(100)
  @Type(() => Number)
  PRIVACY_JOB_MAX_ATTEMPTS: number = 5;

  /** An API key's reads are recorded in the audit trail at most once per key and instance in this many seconds. */
  @IsInt()
  @Min(0)
  @Max(86_400)
  @Type(() => Number)
  AUDIT_API_KEY_USE_INTERVAL_SECONDS: number = 300;

  /** Seed a demo tenant and owner on first boot (defaults to on with the embedded database). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  SEED_DEMO?: boolean;

  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsString()
  RATE_LIMIT_KEY_PREFIX: string = 'promox:rl:';

  /** A Redis command unanswered after this long counts as Redis being down: the rate limit is checked in memory. */
  @IsInt()
  @Min(10)
  @Max(10_000)
  @Type(() => Number)
  REDIS_COMMAND_TIMEOUT_MS: number = 500;

  /** How long the boot waits for Redis's first connection before it starts with rate limits in memory. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  @Type(() => Number)
  REDIS_CONNECT_TIMEOUT_MS: number = 2_000;

  /** GraphQL requests per minute per user or API key. */
  @IsInt()
  @Min(1)
  @Type(() => Number)
  RATE_LIMIT_PER_ACTOR_PER_MINUTE: number = 600;

  /** GraphQL requests per minute per client IP (anonymous and authenticated alike). */
  @IsInt()
  @Min(1)
  @Type(() => Number)
  RATE_LIMIT_PER_IP_PER_MINUTE: number = 1200;

  /** Cookie-banner consent records (the public `recordVisitorConsent`) per minute per client IP. */
  @IsInt()
  @Min(1)
  @Type(() => Number)
  COOKIE_CONSENT_PER_IP_PER_MINUTE: number = 30;

  @IsInt()
  @Min(1)
  @Type(() => Number)
  LOGIN_MAX_FAILURES_PER_ACCOUNT: number = 5;

  @IsInt()
  @Min(1)
  @Type(() => Number)
  LOGIN_MAX_FAILURES_PER_IP: number = 30;

  /** Window over which failed logins are counted, and how long a lockout lasts. */
  @IsInt()
  @Min(1)
  @Type(() => Number)
  LOGIN_FAILURE_WINDOW_MINUTES: number = 15;

  @IsInt()
  @Min(1)
  @Max(100)
  @Type(() => Number)
  GRAPHQL_MAX_DEPTH: number = 10;

  @IsInt()
  @Min(1)
  @Type(() => Number)
  // The partner order page (orders > edges > node > lines, 50 per page) is estimated at ~8,600.
  GRAPHQL_MAX_COST: number = 20000;

  @IsInt()
  @Min(0)
  @Type(() => Number)
  GRAPHQL_MAX_ALIASES: number = 15;

  @IsInt()
  @Min(1)
  @Type(() => Number)
  GRAPHQL_MAX_TOKENS: number = 2000;

  @IsInt()
  @Min(1)
  @Type(() => Number)
  GRAPHQL_MAX_DIRECTIVES: number = 20;

  /**
   * Estimated heap (MiB) the documents compiled by graphql-jit may hold together, least recently used forgotten first:
   * ~40 documents the size of the partner page (~370 KB each), ~10 KB per field selected. Others run on graphql-js.
   */
  @IsInt()
  @Min(1)
  @Max(4096)
  @Type(() => Number)
  GRAPHQL_COMPILED_CACHE_MB: number = 16;

  /** Estimated heap (MiB) of the parsed and validated documents Apollo keeps (~30 KB for the partner page's). */
  @IsInt()
  @Min(1)
  @Max(4096)
  @Type(() => Number)
  GRAPHQL_DOCUMENT_CACHE_MB: number = 8;

  /**
   * Serve the list queries that have read models (orders) as one statement that builds the answer's JSON, without the
   * resolvers (see docs/architecture.md, "The read path"). Off, every request goes through the resolvers.
   */
  @Transform(toBoolean)
  @IsBoolean()
  COMPILED_READS: boolean = true;

  /**
   * After this many seconds without a request, one full garbage collection gives back what a load left in the heap
   * to the system (see IdleCollection). 0 turns it off.
   */
  @IsInt()
  @Min(0)
  @Max(3600)
  @Type(() => Number)
  IDLE_GC_SECONDS: number = 3;

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'BODY_LIMIT must look like 100kb or 1mb' })
  BODY_LIMIT: string = '100kb';

  /** Browser origins allowed to call the API cross-origin, comma-separated (e.g. https://app.promox.example); none by default. */
  @IsString()
  CORS_ORIGINS: string = '';

  /** Express "trust proxy" setting: false, true, a hop count or a subnet list. */
  @IsString()
  TRUST_PROXY: string = 'false';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsInt()
  @Min(0)
  @Type(() => Number)
  SHUTDOWN_TIMEOUT_MS: number = 10_000;

  /** Largest support attachment, in bytes (stored in the database, so kept modest; at most 50 MiB). */
  @IsInt()
  @Min(1)
  @Max(50 * 1024 * 1024)
  @Type(() => Number)
  SUPPORT_ATTACHMENT_MAX_BYTES: number = 5 * 1024 * 1024;

  @IsInt()
  @Min(1)
  @Max(100)
  @Type(() => Number)
  SUPPORT_ATTACHMENTS_PER_REQUEST: number = 10;

  /** Media types accepted as support attachments, comma-separated: images, PDF, plain text, CSV, Office documents, ZIP. */
  @Matches(/^\s*[a-z0-9.+-]+\/[a-z0-9.+-]+\s*(,\s*[a-z0-9.+-]+\/[a-z0-9.+-]+\s*)*$/i, {
    message: 'SUPPORT_ATTACHMENT_TYPES must be a comma-separated list of media types such as image/png,application/pdf',
  })
  SUPPORT_ATTACHMENT_TYPES: string = [
    'image/png',
    'image/jpeg',
    'image/gif',
    'image/webp',
    'application/pdf',
    'text/plain',
    'text/csv',
    'application/msword',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.ms-excel',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.ms-powerpoint',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    'application/vnd.oasis.opendocument.text',
    'application/vnd.oasis.opendocument.spreadsheet',
    'application/vnd.oasis.opendocument.presentation',
    'application/zip',
    'application/x-zip-compressed',
  ].join(',');

  /** Stripe secret key (sk_live_… / sk_test_… / rk_…). Unset: billing operations answer BILLING_NOT_CONFIGURED. */
  @IsOptional()
  @IsString()
  @MinLength(8)
  STRIPE_SECRET_KEY?: string;

  /** Signing secret of the Stripe webhook endpoint (whsec_…). Unset: the webhook endpoint answers 503. */
  @IsOptional()
  @IsString()
  @MinLength(8)
  STRIPE_WEBHOOK_SECRET?: string;

  /** Where the Stripe SDK sends its requests, e.g. http://127.0.0.1:12111 for a local fake (tests); Stripe itself when unset. */
  @IsOptional()
  @Matches(/^https?:\/\/[^/:]+(:\d+)?\/?$/, { message: 'STRIPE_API_BASE_URL must look like http://host:port' })
  STRIPE_API_BASE_URL?: string;

  /** The plans on offer, as a JSON array of {code, name, stripePriceId, seatLimit, features}; see docs/billing.md. */
  @IsOptional()
  @IsString()
  BILLING_PLANS?: string;

  /** Seats of a tenant without a paid subscription (the trial). */
  @IsInt()
  @Min(1)
  @Max(1000)
  @Type(() => Number)
  BILLING_TRIAL_SEAT_LIMIT: number = 3;

  /** How long a tenant whose payment failed (past_due, unpaid) keeps working before it becomes read-only. */
  @IsInt()
  @Min(0)
  @Max(24 * 90)
  @Type(() => Number)
  BILLING_GRACE_PERIOD_HOURS: number = 168;

  /** Where Stripe Checkout and the Customer Portal send the user back to (the web app's billing page). */
  @Matches(/^https?:\/\//, { message: 'BILLING_RETURN_URL must be an http(s) URL' })
  BILLING_RETURN_URL: string = 'http://localhost:3000/billing';

  /** How often an instance retries Stripe events whose processing failed (0 turns it off). */
  @IsInt()
  @Min(0)
  @Max(3600)
  @Type(() => Number)
  BILLING_EVENT_RETRY_INTERVAL_SECONDS: number = 30;

  get billingPlans(): BillingPlanConfig[] {
    return parseBillingPlans(this.BILLING_PLANS).plans;
  }

  get corsOrigins(): string[] {
    return this.CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
  }

  /** SUPPORT_ATTACHMENT_TYPES as a set of lower-cased media types. */
  get supportAttachmentTypes(): ReadonlySet<string> {
    return new Set(
      this.SUPPORT_ATTACHMENT_TYPES.split(',')
        .map((type) => type.trim().toLowerCase())
        .filter(Boolean),
    );
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }
}

export class ConfigurationError extends Error {}

/** Parses and validates the environment; throws a ConfigurationError naming every bad variable. */
export function loadAppConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const raw = Object.fromEntries(Object.entries(env).filter(([key, value]) => value !== undefined && value !== '' && known.includes(key)));
  const config = plainToInstance(AppConfig, raw, { enableImplicitConversion: true, exposeDefaultValues: true });
  const problems = validateSync(config, { whitelist: false, forbidUnknownValues: false }).map(
    (error) => `${error.property}: ${Object.values(error.constraints ?? { invalid: 'is invalid' }).join('; ')}`,
  );
  problems.push(...parseBillingPlans(config.BILLING_PLANS).problems);
  if (config.isProduction && !config.DATABASE_URL) problems.push('DATABASE_URL: is required in production');
  if (config.isProduction && !config.JWT_SECRET) problems.push('JWT_SECRET: is required in production');
  if (config.isProduction && !config.SUPPRESSION_HASH_KEY) problems.push('SUPPRESSION_HASH_KEY: is required in production');
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}
