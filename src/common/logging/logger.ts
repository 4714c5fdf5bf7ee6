import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestIdScope } from '../context/request-context.js';

/**
 * One JSON line per event, to stdout (or `destination`: tests read the lines). Every line written while a request is
 * served carries its `requestId`, whoever writes it (Nest's loggers, MikroORM's, the access log). Secrets that might
 * pass through a log call are redacted by path.
 */
export function createRootLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'promox-crm' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const requestId = RequestIdScope.current();
      return requestId ? { requestId } : {};
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken', '*.token', '*.secret'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Writes text for people (the start banner) on the log's own stream, so that it lands after every log line written
 * before it: pino writes asynchronously, and a console.log would overtake the lines still queued.
 */
export function writeAfterLogs(logger: Logger, text: string): void {
  const stream = (logger as unknown as Record<symbol, { write(chunk: string): unknown } | undefined>)[pino.symbols.streamSym];
  if (stream) stream.write(text);
  else process.stdout.write(text);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Codes that say the server failed, not the client: the one kind of GraphQL error logged at error. */
const SERVER_ERROR_CODES: ReadonlySet<string> = new Set(['INTERNAL_SERVER_ERROR']);
/** What a stream reports when the client went away mid-response: the client's doing, not a failure. */
const CLIENT_GONE_CODES: ReadonlySet<unknown> = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE']);

const errorCodesOf = new WeakMap<object, readonly string[]>();

/** The error codes of the GraphQL operation a response answers: on its access log line, and they set the line's level. */
export function noteErrorCodes(res: object, codes: readonly string[]): void {
  if (codes.length > 0) errorCodesOf.set(res, [...new Set(codes)]);
}

/** Whether an error only says that the client closed the connection before the response was complete. */
export function isClientGone(error: unknown): boolean {
  return typeof error === 'object' && error !== null && CLIENT_GONE_CODES.has((error as { code?: unknown }).code);
}

/**
 * The access line's level: an expected client error (4xx, or a GraphQL error with a code meant for the client) is a
 * warning, a client that hung up early is information, and only what the server failed at is an error.
 */
export function accessLogLevel(res: ServerResponse, error?: Error): Level {
  if (error) return isClientGone(error) ? 'info' : 'error';
  if (!res.writableFinished) return 'info';
  const codes = errorCodesOf.get(res) ?? [];
  if (res.statusCode >= 500 || codes.some((code) => SERVER_ERROR_CODES.has(code))) return 'error';
  return res.statusCode >= 400 || codes.length > 0 ? 'warn' : 'info';
}

/**
 * Access log with a request id: the caller's X-Request-Id when well-formed, a new UUID otherwise; echoed back. The
 * rest of the request runs in the id's scope, so that every line logged while serving it carries the id.
 */
export function requestLogger(logger: Logger) {
  const log = pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => accessLogLevel(res, error),
    // Named here too: a client's hang-up is reported outside the request's async scope.
    customSuccessObject: (req, res, line: object) => ({ ...line, requestId: req.id, errors: errorCodesOf.get(res) }),
    customErrorObject: (req, res, _error, line: object) => ({ ...line, requestId: req.id, errors: errorCodesOf.get(res) }),
    customSuccessMessage: (_req, res) => (res.writableFinished ? 'request completed' : 'request closed by the client before the response was complete'),
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
  });
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    log(req, res);
    // genReqId above gives every request a string id.
    RequestIdScope.run(typeof req.id === 'string' ? req.id : '', next);
  };
}

/** Routes Nest's own log calls into the same JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string) {
    this.write('error', message, context, trace);
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, context?: string, trace?: string) {
    // Nest logs some errors as the Error itself: spread, it would lose its message and stack.
    if (message instanceof Error) this.logger[level]({ context, err: message }, message.message);
    else if (message !== null && typeof message === 'object') this.logger[level]({ context, trace, ...message });
    else this.logger[level]({ context, trace }, String(message));
  }
}
