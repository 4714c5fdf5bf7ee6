import { Inject, Logger, Optional } from '@nestjs/common';
import { Plugin } from '@nestjs/apollo';
import { RequestContext as OrmRequestContext } from '@mikro-orm/core';
import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse, GraphQLRequestListener } from '@apollo/server';
import {
  getArgumentValues,
  getNamedType,
  Kind,
  type GraphQLFormattedError,
  type GraphQLObjectType,
} from 'graphql';
import { ErrorCode } from '../common/errors/app-errors.js';
import {
  OPERATION_AUDITOR,
  type AuditedField,
  type OperationAuditor,
  type OperationOutcome,
} from '../common/audit/operation-audit.js';

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
  const data = (result?.data ?? null) as Record<string, unknown> | null;
  const rootType: GraphQLObjectType | null | undefined =
    operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'query' ? schema.getQueryType() : schema.getSubscriptionType();
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
 * One database transaction per GraphQL operation, spanning execution of every field, so that a request reads one
 * snapshot under row-level security and a failed mutation changes nothing. The audit trail's entries for the
 * operation are written inside that transaction, just before the commit.
 */
@Plugin()
export class RequestTransactionPlugin implements ApolloServerPlugin<Context> {
  constructor(@Optional() @Inject(OPERATION_AUDITOR) private readonly auditor?: OperationAuditor) {}

  async requestDidStart(): Promise<GraphQLRequestListener<Context>> {
    let began = false;
    const auditor = this.auditor;
    return {
      async executionDidStart() {
        const em = OrmRequestContext.getEntityManager();
        if (!em) return;
        await em.begin();
        began = true;
      },
      async willSendResponse(requestContext) {
        const em = OrmRequestContext.getEntityManager();
        if (!began || !em) return;
        const { response } = requestContext;
        const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
        const outcome = auditor ? outcomeOf(requestContext) : null;
        if (failed(result?.errors) && !keepOnFailure.has(em)) {
          await em.rollback();
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
          await em.rollback().catch(() => undefined);
          if (result) {
            result.data = null;
            result.errors = [{ message: 'The change could not be saved.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }];
          }
          logger.error(`Commit failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    };
  }
}
