import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { TenantContext } from '../../common/context/request-context.js';
import { TenantWriteGates, type TenantWriteGate } from '../../common/authorization/tenant-write-gate.js';
import { TenantService } from './tenant.service.js';

/** A closed tenant's data is read-only: every tenant mutation but reopening is refused with TENANT_CLOSED. */
@Injectable()
export class TenantClosureGate implements TenantWriteGate, OnModuleInit {
  constructor(
    private readonly gates: TenantWriteGates,
    private readonly tenants: TenantService,
  ) {}

  onModuleInit(): void {
    this.gates.register(this);
  }

  assertWritable(ctx: TenantContext): Promise<void> {
    return this.tenants.assertActive(ctx.tenantId);
  }
}
