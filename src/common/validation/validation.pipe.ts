import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { badInput } from '../errors/app-errors.js';
import { unstorableTextProblems } from './storable-text.js';

function flatten(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

interface FieldProblems {
  field: string;
  problems: string[];
}

/** Each field (as the validation errors name them) whose text, or any text within it, cannot be stored. */
function unstorableText(value: unknown, path: string): FieldProblems[] {
  if (typeof value === 'string') {
    const problems = unstorableTextProblems(value).map((problem) => `${path || 'value'} ${problem}`);
    return problems.length > 0 ? [{ field: path || 'value', problems }] : [];
  }
  if (Array.isArray(value)) {
    // As class-validator names them: a list of strings as the list ("tags"), objects in it by index ("lines.0.sku").
    const items = value.map((item, index) => (typeof item === 'string' ? unstorableText(item, path) : unstorableText(item, `${path}.${index}`)));
    const inStrings = [...new Set(items.flatMap((found, index) => (typeof value[index] === 'string' ? found.flatMap((f) => f.problems) : [])))];
    const inObjects = items.filter((_, index) => typeof value[index] !== 'string').flat();
    return [...(inStrings.length > 0 ? [{ field: path || 'value', problems: inStrings }] : []), ...inObjects];
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([key, item]) => unstorableText(item, path ? `${path}.${key}` : key));
  }
  return [];
}

/**
 * Every argument is checked for text PostgreSQL cannot store before class-validator runs, so no resolver, validator
 * or JSON column has to remember: the check walks the whole argument, nested inputs and lists included.
 */
class InputValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only client input: GraphQL arguments arrive as 'body'; custom parameters (@Info, @Ctx) are server objects.
    const fields = metadata.type === 'body' ? unstorableText(value, typeof value === 'string' ? (metadata.data ?? '') : '') : [];
    if (fields.length > 0) {
      throw badInput(`Invalid input. ${fields.flatMap((f) => f.problems).join(' | ')}`, { fields });
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
