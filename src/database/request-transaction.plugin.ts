import { Inject, Logger, Optional } from '@nestjs/common';
import { Plugin } from '@nestjs/apollo';
import { RequestContext as OrmRequestContext, type EntityManager } from '@mikro-orm/core';
import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse, GraphQLRequestListener } from '@apollo/server';
import { getArgumentValues, getNamedType, Kind, OperationTypeNode, type GraphQLFormattedError, type GraphQLObjectType } from 'graphql';
import { ErrorCode } from '../common/errors/app-errors.js';
import { DATABASE_UNAVAILABLE_MESSAGE, databaseUnavailable, isDatabaseUnavailable } from '../common/errors/database-unavailable.js';
import { OPERATION_AUDITOR, type AuditedField, type OperationAuditor, type OperationOutcome } from '../common/audit/operation-audit.js';

const logger = new Logger('RequestTransaction');

/** Errors that do not undo the operation: a masked field leaves the rest of the result, and its writes, standing. */
const NON_FATAL: ReadonlySet<unknown> = new Set([ErrorCode.FORBIDDEN_FIELD]);

function failed(errors: readonly GraphQLFormattedError[] | undefined): boolean {
  return (errors ?? []).some((error) => !NON_FATAL.has(error.extensions?.code));
}

const keepOnFailure = new WeakSet<object>();

/**
 * Marks the current request's changes to be committed even though the operation answers with an error. For security
 * records only (revoking a token family on reuse, a failed log-in's audit entry): the refusal must not undo them.
 */
export function keepChangesOnFailure(): void {
  const em = OrmRequestContext.getEntityManager();
  if (em) keepOnFailure.add(em);
}

type Context = Record<string, unknown>;

const idOf = (value: unknown): string | null =>
  typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : null;

/** The operation's root fields, with what each acted on, for the audit trail. */
function outcomeOf(requestContext: GraphQLRequestContextWillSendResponse<Context>): OperationOutcome | null {
  const { operation, schema, request, response } = requestContext;
  if (!operation) return null;
  const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
  const data = result?.data ?? null;
  const rootType: GraphQLObjectType | null | undefined =
    operation.operation === OperationTypeNode.MUTATION
      ? schema.getMutationType()
      : operation.operation === OperationTypeNode.QUERY
        ? schema.getQueryType()
        : schema.getSubscriptionType();
  const fields: AuditedField[] = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value.startsWith('__')) continue;
    const fieldName = selection.name.value;
    const responseKey = selection.alias?.value ?? fieldName;
    const definition = rootType?.getFields()[fieldName];
    let args: Record<string, unknown> = {};
    try {
      if (definition) args = getArgumentValues(definition, selection, request.variables ?? {});
    } catch {
      // Arguments that do not coerce were refused already; the entry just names no target.
    }
    fields.push({
      fieldName,
      responseKey,
      returnType: definition ? getNamedType(definition.type).name : 'Unknown',
      targetId: (typeof args.id === 'string' ? args.id : null) ?? idOf(args.input) ?? idOf(data?.[responseKey]),
    });
  }
  return { kind: operation.operation, operationName: operation.name?.value ?? null, fields, errors: result?.errors ?? [] };
}

/**
 * A mutation whose connection broke at the commit may or may not have committed (the COMMIT may have reached the
 * server before the answer was lost): say so rather than promise that nothing changed.
 */
function unavailableAtCommit(kind: string | undefined): string {
  return kind === 'mutation'
    ? 'The database connection was lost while saving; the change may or may not have been saved: check before trying again.'
    : DATABASE_UNAVAILABLE_MESSAGE;
}

/** Rolls back, whatever state the connection is in; a rollback that fails is logged (Kysely discards its connection). */
async function rollbackQuietly(em: EntityManager): Promise<void> {
  try {
    await em.rollback();
  } catch (error) {
    logger.warn(`Rollback failed: ${error instanceof Error ? error.message : String(error)}`);
    em.resetTransactionContext();
  }
}

/**
 * One database transaction per GraphQL operation, spanning execution of every field, so that a request reads one
 * snapshot under row-level security and a failed mutation changes nothing. The audit trail's entries for the
 * operation are written inside that transaction, just before the commit.
 *
 * Its hooks never throw: a hook that throws leaves Apollo answering a bare 500, and whatever fails (a begin on a
 * database that went away, a commit, a rollback) the transaction ends and its connection goes back to the pool, or is
 * destroyed when it broke. The transaction begins once the operation is resolved, where a failure to begin still
 * answers in GraphQL's shape (SERVICE_UNAVAILABLE, HTTP 503).
 */
@Plugin()
export class RequestTransactionPlugin implements ApolloServerPlugin<Context> {
  constructor(@Optional() @Inject(OPERATION_AUDITOR) private readonly auditor?: OperationAuditor) {}

  requestDidStart(): Promise<GraphQLRequestListener<Context>> {
    let transaction: EntityManager | undefined;
    const auditor = this.auditor;
    return Promise.resolve({
      async didResolveOperation() {
        const em = OrmRequestContext.getEntityManager();
        if (!em) return;
        try {
          await em.begin();
        } catch (error) {
          if (isDatabaseUnavailable(error)) throw databaseUnavailable();
          throw error;
        }
        transaction = em;
      },
      async willSendResponse(requestContext) {
        const em = transaction;
        transaction = undefined;
        if (!em) return;
        const { response } = requestContext;
        const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
        const outcome = auditor ? outcomeOf(requestContext) : null;
        if (failed(result?.errors) && !keepOnFailure.has(em)) {
          await rollbackQuietly(em);
          if (auditor && outcome) {
            await auditor.afterRollback(outcome).catch((error: unknown) => {
              logger.error(`Recording a refusal in the audit trail failed: ${error instanceof Error ? error.message : String(error)}`);
            });
          }
          return;
        }
        try {
          if (auditor && outcome) await auditor.beforeCommit(outcome);
          await em.commit();
        } catch (error) {
          await rollbackQuietly(em);
          const unavailable = isDatabaseUnavailable(error);
          if (result) {
            result.data = null;
            result.errors = [
              unavailable
                ? { message: unavailableAtCommit(requestContext.operation?.operation), extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }
                : { message: 'The change could not be saved.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } },
            ];
          }
          if (unavailable) response.http.status = 503;
          logger.error(`Commit failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    });
  }
}
