import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../../common/context/request-context.js';
import { AuditLog } from '../../audit/index.js';

export interface StaffReadRecord {
  supportRequestId: string;
  tenantId: string;
}

/**
 * Every read of a support request by PromoX staff leaves an entry in the audit trail of the request's tenant, so the
 * tenant sees who at PromoX looked at what. Written in the reading transaction: no entry, no read.
 */
@Injectable()
export class SupportStaffAuditLog {
  constructor(private readonly audit: AuditLog) {}

  async read(ctx: RequestContext, operation: string, records: readonly StaffReadRecord[], em?: EntityManager): Promise<void> {
    const unique = new Map(records.map((r) => [r.supportRequestId, r]));
    if (unique.size === 0) return;
    await this.audit.record(
      ctx,
      [...unique.values()].map((r) => ({
        action: `supportRequest.staffRead:${operation}`,
        targetType: 'SupportRequest',
        targetId: r.supportRequestId,
        tenantId: r.tenantId,
      })),
      { em },
    );
  }
}
