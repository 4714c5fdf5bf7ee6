// What other modules may use of audit (a global module): recording events, redaction for erasure, retention runs.
export { AuditResult } from './audit-entry.entity.js';
export { AuditLog, type AuditRecord } from './audit-log.service.js';
export { AuditRedaction } from './audit-redaction.sql.js';
export { RetentionJobs, type RetentionRun } from './retention.jobs.js';
