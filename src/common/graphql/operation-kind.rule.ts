import { OperationTypeNode, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';
import { AppError, ErrorCode } from '../errors/app-errors.js';

/**
 * Refuses subscription operations before they run: the schema has no Subscription type and the API has no
 * subscription transport, and graphql-js would otherwise only fail at execution, as an internal error (HTTP 200).
 */
export const operationKindRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(node) {
    if (node.operation === OperationTypeNode.QUERY || node.operation === OperationTypeNode.MUTATION) return;
    context.reportError(
      new AppError(ErrorCode.OPERATION_NOT_SUPPORTED, 'Subscriptions are not supported: send a query or a mutation.', undefined, {
        nodes: node,
      }),
    );
  },
});
