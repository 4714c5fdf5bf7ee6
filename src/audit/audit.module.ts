import { Global, Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { OPERATION_AUDITOR } from '../common/audit/operation-audit.js';
import { AuditChainHead, AuditEntry } from './audit-entry.entity.js';
import { AuditLog } from './audit-log.service.js';
import { AuditResolver } from './audit.resolver.js';
import { AuditTrailService } from './audit-trail.service.js';
import { OperationAuditService } from './operation-audit.service.js';
import { RetentionJobs } from './retention.jobs.js';
import { AuditPersonalData } from './audit.personal-data.js';

/**
 * The audit trail. Global because the request transaction (database layer) calls its OperationAuditor for every
 * operation, and feature modules record their own events (sign-ins, staff reads) through AuditLog.
 */
@Global()
@Module({
  imports: [MikroOrmModule.forFeature([AuditEntry, AuditChainHead])],
  providers: [AuditPersonalData, RetentionJobs, AuditLog, AuditTrailService, AuditResolver, OperationAuditService, { provide: OPERATION_AUDITOR, useExisting: OperationAuditService }],
  exports: [AuditLog, RetentionJobs, OPERATION_AUDITOR],
})
export class AuditModule {}
