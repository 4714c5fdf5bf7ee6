import { DriverException } from '@mikro-orm/core';
import type { Logger } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';

/**
 * The message a background job stores and shows for a failed attempt. Database errors quote SQL and data, so they are
 * logged under a reference and only the reference is stored; other messages are kept, shortened to 2,000 characters.
 */
export function describeJobError(error: unknown, logger: Logger, job: string): string {
  if (error instanceof DriverException) {
    const reference = uuidv7();
    logger.error({ msg: `${job} database error`, reference, error: error.message });
    return `Database error (reference ${reference}).`;
  }
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}
