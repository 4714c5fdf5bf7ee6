import { SetMetadata } from '@nestjs/common';
import type { RequestContext } from '../context/request-context.js';

export const ALLOWED_BEFORE_POLICY_ACCEPTANCE = 'promox:allowed-before-policy-acceptance';

/**
 * A mutation a signed-in user may run while a new policy version waits for their acceptance (accepting it, logging
 * out, refreshing the session, exporting their data). Every other mutation is refused until they accept.
 */
export const AllowedBeforePolicyAcceptance = () => SetMetadata(ALLOWED_BEFORE_POLICY_ACCEPTANCE, true);

/**
 * Refuses a change while the signed-in user has policy documents to accept. Defined here and implemented by the
 * consent module, so that the AccessGuard in `common` depends on no feature module.
 */
export abstract class PolicyAcceptanceGate {
  /** Throws POLICY_ACCEPTANCE_REQUIRED when `ctx`'s user must accept a current policy first. */
  abstract assertAccepted(ctx: RequestContext): Promise<void>;
}
