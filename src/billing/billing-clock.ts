import { Injectable } from '@nestjs/common';
import { Clock } from '../common/time/clock.js';

/**
 * Billing's own clock provider. A provider of `Clock` itself would be a second instance under the same token, and
 * `app.get(Clock)` (how tests move the privacy module's time) could then return the wrong one.
 */
@Injectable()
export class BillingClock extends Clock {}
