import { Inject, Injectable, Logger, Optional, type NestMiddleware } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { MikroORM } from '@mikro-orm/postgresql';
import type { NextFunction, Request, Response } from 'express';
import pg from 'pg';
import { ACCESS_POLICY, type AccessPolicy } from '../../common/authorization/access.decorators.js';
import { checkAccessPolicy } from '../../common/authorization/access.guard.js';
import { PlatformRole } from '../../common/authorization/platform-role.js';
import { OPERATION_AUDITOR, type OperationAuditor, type OperationOutcome } from '../../common/audit/operation-audit.js';
import { isTenantContext, RequestContextStore, type TenantContext } from '../../common/context/request-context.js';
import { documentHardening } from '../../common/graphql/graphql.options.js';
import { buildValidationPipe } from '../../common/validation/validation.pipe.js';
import { AppConfig } from '../../config/app-config.js';
import { queryRawText } from '../pipelined-query.js';
import { readSessionStatement } from '../tenant-session.js';
import { ReadModels, type ListReadModel } from './read-models.js';
import { ReadPlans, type CompiledPage, type DocumentPlan } from './read-plan.js';
import { StatementNames } from './statement-names.js';

const logger = new Logger('CompiledRead');

interface GraphQLBody {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

type LogQuery = (context: { query: string; took?: number; level?: 'info' }) => void;

/**
 * The read path: answers a list query that has read models (ReadModels) with one prepared statement, sent together
 * with the request's row-level-security settings in one round trip, whose result is the answer's JSON, written out as
 * PostgreSQL built it. Runs after RequestAdmissionMiddleware (rate limits, credential) and applies the resolver's
 * access policy, argument validation, field access and usage counting exactly as the general path does; any request
 * it cannot answer so (another document, a masked field, bad arguments, a due audit entry, a database error) goes on
 * to Apollo and the resolvers, which answer it as before.
 */
@Injectable()
export class CompiledReadMiddleware implements NestMiddleware {
  private plans: ReadPlans | null = null;
  private pool: pg.Pool | null = null;
  private readonly names = new StatementNames();
  private readonly validation = buildValidationPipe();
  private readonly logQuery: LogQuery;
  /** Each list's access policy, as its resolver method declares it. */
  private readonly policies = new Map<ListReadModel, AccessPolicy | undefined>();
  /**
   * The embedded database serves all connections from one session, where a statement prepared on one connection
   * already exists for the next (42P05): there, statements go unnamed and are parsed each time.
   */
  private readonly prepared: boolean;

  constructor(
    private readonly config: AppConfig,
    // GraphQLModule does not export its schema host; it is looked up once the schema exists.
    private readonly moduleRef: ModuleRef,
    private readonly models: ReadModels,
    private readonly orm: MikroORM,
    private readonly reflector: Reflector,
    @Optional() @Inject(OPERATION_AUDITOR) private readonly auditor?: OperationAuditor,
  ) {
    const ormLogger = orm.config.getLogger() as { logQuery: LogQuery };
    // Through the ORM's logger, so that the statements of this path are logged and counted as the ORM's are.
    this.logQuery = (context) => {
      ormLogger.logQuery(context);
    };
    this.prepared = config.DATABASE_URL !== undefined && config.DATABASE_URL !== '';
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const body = req.body as GraphQLBody | undefined;
    if (!this.config.COMPILED_READS || req.method !== 'POST' || typeof body?.query !== 'string' || body.extensions !== undefined) {
      next();
      return;
    }
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    const variables = body.variables ?? undefined;
    if (variables !== undefined && (typeof variables !== 'object' || Array.isArray(variables))) {
      next();
      return;
    }
    const plan = this.readPlans().documentPlan(body.query, operationName);
    if (!plan) {
      next();
      return;
    }
    let answer: string | null = null;
    try {
      answer = await this.answer(plan, variables as Record<string, unknown> | undefined);
    } catch (error) {
      // Whatever failed is the general path's to answer, with its own error if it fails there too.
      logger.debug(`Left to the resolvers: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (answer === null) {
      next();
      return;
    }
    res.status(200).setHeader('content-type', 'application/json; charset=utf-8');
    res.end(`{"data":{"${plan.responseKey}":${answer}}}`);
  }

  private async answer(plan: DocumentPlan, variables: Record<string, unknown> | undefined): Promise<string | null> {
    const ctx = this.admitted(plan);
    if (!ctx || !(this.auditor?.admitsCompiledRead() ?? true)) return null;
    const page = await this.readPlans().page(
      plan,
      ctx,
      variables,
      (args) => this.validation.transform(args, { type: 'body', metatype: plan.list.args }) as Promise<object>,
    );
    if (!page) return null;
    const json = await this.run(ctx, page);
    if (json === null) return null;
    const outcome: OperationOutcome = {
      kind: 'query',
      operationName: plan.operation.name?.value ?? null,
      fields: [{ fieldName: plan.list.field, responseKey: plan.responseKey, returnType: plan.connection.name, targetId: null }],
      errors: [],
    };
    this.auditor?.countCompiledRead(outcome);
    return json;
  }

  /** The request's context, when the resolver's access policy admits it in a tenant; support staff go the general way. */
  private admitted(plan: DocumentPlan): TenantContext | null {
    const context = RequestContextStore.current();
    if (context?.actor.kind === 'user' && context.actor.platformRole === PlatformRole.SUPPORT) return null;
    const admitted = checkAccessPolicy(this.policyOf(plan.list), context);
    return admitted && isTenantContext(admitted) ? admitted : null;
  }

  private policyOf(list: ListReadModel): AccessPolicy | undefined {
    if (!this.policies.has(list)) {
      const { class: resolverClass, method } = list.resolver;
      const handler = (resolverClass.prototype as Record<string, unknown>)[method] as () => void;
      this.policies.set(list, this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [handler, resolverClass]));
    }
    return this.policies.get(list);
  }

  /** The session settings and the page in one round trip, on a connection of the ORM's pool. */
  private async run(ctx: TenantContext, page: CompiledPage): Promise<string | null> {
    this.pool ??= await this.orm.em.getConnection().getNativeClient();
    const client = await this.pool.connect();
    const userId = ctx.actor.kind === 'user' ? ctx.actor.userId : null;
    const session = { ...readSessionStatement(ctx.tenantId, userId), ...(this.prepared ? {} : { name: '' }) };
    const statement = { name: this.prepared ? this.names.nameOf(page.text) : '', text: page.text, values: page.values };
    const started = performance.now();
    try {
      const json = await queryRawText(client, [session, statement]);
      client.release();
      const took = Math.round(performance.now() - started);
      this.logQuery({ query: session.text, took, level: 'info' });
      this.logQuery({ query: page.text, took, level: 'info' });
      return json;
    } catch (error) {
      // A statement's error leaves the connection usable; anything else (a broken connection) discards it.
      client.release(error instanceof pg.DatabaseError ? undefined : (error as Error));
      throw error;
    }
  }

  private readPlans(): ReadPlans {
    this.plans ??= new ReadPlans({
      schema: this.moduleRef.get(GraphQLSchemaHost, { strict: false }).schema,
      validationRules: documentHardening(this.config).validationRules,
      maxTokens: this.config.GRAPHQL_MAX_TOKENS,
      models: this.models,
    });
    return this.plans;
  }
}
