import { Global, Injectable, Module } from '@nestjs/common';
import type { TenantContext } from '../context/request-context.js';

/** Something that must be settled before a tenant can be closed (its paid subscription must be cancelled first). */
export interface TenantClosurePrecondition {
  /** Throws an AppError with its own stable code when `ctx`'s tenant can not be closed yet. */
  assertClosable(ctx: TenantContext): Promise<void>;
}

/**
 * The preconditions feature modules register at start-up (billing). `accounts` asks them before closing a tenant, so
 * it depends on no billing code; with none registered, a tenant can always be closed.
 */
@Injectable()
export class TenantClosurePreconditions {
  private readonly preconditions: TenantClosurePrecondition[] = [];

  register(precondition: TenantClosurePrecondition): void {
    this.preconditions.push(precondition);
  }

  async assertClosable(ctx: TenantContext): Promise<void> {
    for (const precondition of this.preconditions) await precondition.assertClosable(ctx);
  }
}

@Global()
@Module({ providers: [TenantClosurePreconditions], exports: [TenantClosurePreconditions] })
export class TenantClosurePreconditionsModule {}
