import { Injectable } from '@nestjs/common';
import type { TenantContext } from '../../common/context/request-context.js';

/** Something outside clients that keeps a client from being deleted while it refers to it (orders). */
export interface ClientDeletionCheck {
  /** Throws an AppError (CONFLICT) while the client, or one of its contacts, may not be deleted. */
  assertClientDeletable(ctx: TenantContext, clientId: string): Promise<void>;
}

/**
 * The checks other modules register at start-up. ClientService asks them, with the client row locked, before it
 * deletes a client; so clients depends on none of the modules that refer to clients.
 */
@Injectable()
export class ClientDeletionChecks {
  private readonly checks: ClientDeletionCheck[] = [];

  register(check: ClientDeletionCheck): void {
    this.checks.push(check);
  }

  async assertDeletable(ctx: TenantContext, clientId: string): Promise<void> {
    for (const check of this.checks) await check.assertClientDeletable(ctx, clientId);
  }
}
