import { Global, Injectable, Module, SetMetadata } from '@nestjs/common';
import type { TenantContext } from '../context/request-context.js';

export const ALLOWED_WHILE_TENANT_READ_ONLY = 'promox:allowed-while-tenant-read-only';

/**
 * A mutation a tenant may run while its data is read-only (reopening a closed tenant, paying a lapsed subscription,
 * handling privacy requests that the law requires answering anyway). Every other tenant mutation is refused then.
 */
export const AllowedWhileTenantReadOnly = () => SetMetadata(ALLOWED_WHILE_TENANT_READ_ONLY, true);

/** One reason a tenant's data may be read-only now (its closure, a lapsed subscription). */
export interface TenantWriteGate {
  /** Throws an AppError with its own stable code when `ctx`'s tenant may not change its data now. */
  assertWritable(ctx: TenantContext): Promise<void>;
}

/**
 * The gates feature modules register at start-up. The AccessGuard asks all of them before any tenant mutation, so
 * `common` depends on no feature module and a new mutation cannot forget to be refused.
 */
@Injectable()
export class TenantWriteGates {
  private readonly gates: TenantWriteGate[] = [];

  register(gate: TenantWriteGate): void {
    this.gates.push(gate);
  }

  get empty(): boolean {
    return this.gates.length === 0;
  }

  async assertWritable(ctx: TenantContext): Promise<void> {
    for (const gate of this.gates) await gate.assertWritable(ctx);
  }
}

@Global()
@Module({ providers: [TenantWriteGates], exports: [TenantWriteGates] })
export class TenantWriteGatesModule {}
