import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { badInput } from '../errors/app-errors.js';

function flatten(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

const NUL = '\u0000';

/** Field paths (as the validation errors name them) whose text holds a NUL; inputs are JSON-shaped trees. */
function fieldsWithNul(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes(NUL) ? [path || 'value'] : [];
  if (Array.isArray(value)) return value.some((item) => fieldsWithNul(item, path).length > 0) ? [path || 'value'] : [];
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([key, item]) => fieldsWithNul(item, path ? `${path}.${key}` : key));
  }
  return [];
}

/**
 * PostgreSQL text cannot hold NUL (U+0000): a statement carrying one fails as an internal error. Every argument is
 * checked for it before class-validator runs, so no resolver has to remember.
 */
class InputValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only client input: GraphQL arguments arrive as 'body'; custom parameters (@Info, @Ctx) are server objects.
    const fields = metadata.type === 'body' ? fieldsWithNul(value, typeof value === 'string' ? (metadata.data ?? '') : '') : [];
    if (fields.length > 0) {
      const problems = fields.map((field) => ({ field, problems: [`${field} must not contain NUL characters`] }));
      throw badInput(`Invalid input. ${problems.map((p) => p.problems[0]).join(' | ')}`, { fields: problems });
    }
    return super.transform(value, metadata);
  }
}

/** class-validator on every input, before any write; failures are BAD_USER_INPUT naming each field. */
export function buildValidationPipe(): ValidationPipe {
  return new InputValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const summary = fields.map((f) => `${f.field}: ${f.problems.join('; ')}`).join(' | ');
      return badInput(`Invalid input. ${summary}`, { fields });
    },
  });
}
