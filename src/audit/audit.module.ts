import { Global, Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { OPERATION_AUDITOR } from '../common/audit/operation-audit.js';
import { ConsentModule } from '../consent/consent.module.js';
import { AuditChainHead, AuditEntry } from './audit-entry.entity.js';
import { AuditLog } from './audit-log.service.js';
import { AuditRedaction } from './audit-redaction.sql.js';
import { AuditResolver } from './audit.resolver.js';
import { AuditTrailService } from './audit-trail.service.js';
import { OperationAuditService } from './operation-audit.service.js';
import { RetentionJobs } from './retention.jobs.js';
import { AuditPersonalData } from './audit.personal-data.js';
import { OperationUsageCounter } from './usage/operation-usage.counter.js';
import { OperationUsage, UsageEvent } from './usage/usage-event.entity.js';
import { UsageResolver } from './usage/usage.resolver.js';
import { UsageService } from './usage/usage.service.js';

/**
 * The audit trail, and usage data (events with ANALYTICS consent, per-operation counts). Global because the request
 * transaction (database layer) calls its OperationAuditor for every operation, and feature modules record their own
 * events (sign-ins, staff reads) through AuditLog.
 */
@Global()
@Module({
  imports: [MikroOrmModule.forFeature([AuditEntry, AuditChainHead, UsageEvent, OperationUsage]), ConsentModule],
  providers: [
    AuditPersonalData,
    AuditLog,
    AuditRedaction,
    AuditTrailService,
    AuditResolver,
    OperationAuditService,
    { provide: OPERATION_AUDITOR, useExisting: OperationAuditService },
    OperationUsageCounter,
    UsageService,
    UsageResolver,
    RetentionJobs,
  ],
  exports: [AuditLog, AuditRedaction, RetentionJobs, OPERATION_AUDITOR],
})
export class AuditModule {}
