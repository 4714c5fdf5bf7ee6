import { Field, type FieldMiddleware, type FieldOptions, type ReturnTypeFunc } from '@nestjs/graphql';
import { RequestContextStore } from '../context/request-context.js';
import { AppError, ErrorCode } from '../errors/app-errors.js';
import type { Permission } from './permission.js';

function requirePermission(permission: Permission): FieldMiddleware {
  return async (ctx, next) => {
    if (RequestContextStore.current()?.permissions.has(permission)) return next() as Promise<unknown>;
    throw new AppError(ErrorCode.FORBIDDEN_FIELD, `Reading ${ctx.info?.parentType.name}.${ctx.info?.fieldName} requires ${permission}.`, {
      requiredPermission: permission,
    });
  };
}

/**
 * A field that only readers with `permission` may see. Others get null at this path plus a FORBIDDEN_FIELD error;
 * the rest of the response stands. The field is therefore always nullable, and its description names the permission
 * so that schema.gql documents it.
 */
export function RestrictedField(
  returnType: ReturnTypeFunc,
  permission: Permission,
  options: Omit<FieldOptions, 'nullable' | 'middleware'> = {},
): PropertyDecorator & MethodDecorator {
  const note = `Requires ${permission}; null with a FORBIDDEN_FIELD error otherwise.`;
  return Field(returnType, {
    ...options,
    nullable: true,
    description: options.description ? `${options.description} ${note}` : note,
    middleware: [requirePermission(permission)],
  });
}
