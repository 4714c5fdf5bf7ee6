import { Injectable } from '@nestjs/common';
import type { TenantContext } from '../../common/context/request-context.js';

/** Something outside contacts that keeps a contact from being deleted while it refers to it (orders). */
export interface ContactDeletionCheck {
  /** Throws an AppError (CONFLICT) while the contact may not be deleted. */
  assertContactDeletable(ctx: TenantContext, contactId: string): Promise<void>;
}

/**
 * The checks other modules register at start-up. ContactService asks them, with the contact row locked, before it
 * deletes a contact; so contacts depends on none of the modules that refer to contacts.
 */
@Injectable()
export class ContactDeletionChecks {
  private readonly checks: ContactDeletionCheck[] = [];

  register(check: ContactDeletionCheck): void {
    this.checks.push(check);
  }

  async assertDeletable(ctx: TenantContext, contactId: string): Promise<void> {
    for (const check of this.checks) await check.assertContactDeletable(ctx, contactId);
  }
}
