import { Injectable, Logger } from '@nestjs/common';
import type { RequestContext } from '../../common/context/request-context.js';

export interface StaffReadRecord {
  supportRequestId: string;
  tenantId: string;
}

/**
 * Every read of a support request by PromoX staff leaves a structured log line. The audit trail module arrives in a
 * later issue and will take these records over; until then the log is the record.
 */
@Injectable()
export class SupportStaffAuditLog {
  private readonly logger = new Logger('SupportStaffAudit');

  read(ctx: RequestContext, operation: string, records: readonly StaffReadRecord[], extra: Record<string, unknown> = {}): void {
    // Logged at warn so that a quieter LOG_LEVEL (the default production choice is info or warn) keeps it.
    this.logger.warn({
      msg: 'support staff read',
      event: 'support_staff_read',
      operation,
      staffUserId: ctx.actor.kind === 'user' ? ctx.actor.userId : null,
      tenantIds: [...new Set(records.map((r) => r.tenantId))],
      supportRequestIds: [...new Set(records.map((r) => r.supportRequestId))],
      requestId: ctx.requestId,
      ...extra,
    });
  }
}
