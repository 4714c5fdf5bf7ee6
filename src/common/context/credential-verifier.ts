import type { Request } from 'express';
import type { Permission } from '../authorization/permission.js';
import type { Actor } from './request-context.js';

export interface VerifiedCredential {
  actor: Exclude<Actor, { kind: 'anonymous' }>;
  tenantId: string | null;
  permissions: ReadonlySet<Permission>;
}

/**
 * Turns a request's credential into an actor, a tenant and permissions. Defined here, implemented by `accounts`, so
 * that the request pipeline in `common` depends on no feature module. Returns null when the request carries no
 * credential; throws an UNAUTHENTICATED AppError when it carries a bad one.
 */
export abstract class CredentialVerifier {
  abstract verify(request: Request): Promise<VerifiedCredential | null>;
}
