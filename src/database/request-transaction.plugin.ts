import { Logger } from '@nestjs/common';
import { Plugin } from '@nestjs/apollo';
import { RequestContext as OrmRequestContext } from '@mikro-orm/core';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../common/errors/app-errors.js';

const logger = new Logger('RequestTransaction');

/** Errors that do not undo the operation: a masked field leaves the rest of the result, and its writes, standing. */
const NON_FATAL: ReadonlySet<unknown> = new Set([ErrorCode.FORBIDDEN_FIELD]);

function failed(errors: readonly GraphQLFormattedError[] | undefined): boolean {
  return (errors ?? []).some((error) => !NON_FATAL.has(error.extensions?.code));
}

const keepOnFailure = new WeakSet<object>();

/**
 * Marks the current request's changes to be committed even though the operation answers with an error. For security
 * records only (revoking a token family on reuse): the refusal must not undo the revocation.
 */
export function keepChangesOnFailure(): void {
  const em = OrmRequestContext.getEntityManager();
  if (em) keepOnFailure.add(em);
}

/**
 * One database transaction per GraphQL operation, spanning execution of every field, so that a request reads one
 * snapshot under row-level security and a failed mutation changes nothing.
 */
@Plugin()
export class RequestTransactionPlugin implements ApolloServerPlugin {
  async requestDidStart(): Promise<GraphQLRequestListener<Record<string, unknown>>> {
    let began = false;
    return {
      async executionDidStart() {
        const em = OrmRequestContext.getEntityManager();
        if (!em) return;
        await em.begin();
        began = true;
      },
      async willSendResponse({ response }) {
        const em = OrmRequestContext.getEntityManager();
        if (!began || !em) return;
        const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
        if (failed(result?.errors) && !keepOnFailure.has(em)) {
          await em.rollback();
          return;
        }
        try {
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
