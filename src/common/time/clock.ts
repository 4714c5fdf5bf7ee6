import { Injectable } from '@nestjs/common';

/**
 * The current time, injected wherever a rule depends on it (deadlines, retries), so that tests can move time
 * instead of waiting for it.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
