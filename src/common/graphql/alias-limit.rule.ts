import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';
import { ErrorCode } from '../errors/app-errors.js';

/**
 * Counts every alias in the document, `__typename` aliases included (GraphQL Armor exempts those, and a hundred of
 * them still cost a hundred resolutions).
 */
export function aliasLimitRule(maxAliases: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    let reported = false;
    return {
      Field(node) {
        if (!node.alias || reported) return;
        aliases += 1;
        if (aliases > maxAliases) {
          reported = true;
          context.reportError(
            new GraphQLError(`Aliases limit of ${maxAliases} exceeded.`, {
              nodes: [node],
              extensions: { code: ErrorCode.QUERY_TOO_COMPLEX },
            }),
          );
        }
      },
    };
  };
}
