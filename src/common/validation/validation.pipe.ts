import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { badInput } from '../errors/app-errors.js';

function flatten(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** class-validator on every input, before any write; failures are BAD_USER_INPUT naming each field. */
export function buildValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
