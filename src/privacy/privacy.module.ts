import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../accounts/accounts.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ContactsModule } from '../business/contacts/contacts.module.js';
import { ConsentModule } from '../consent/consent.module.js';
import { JobQueueModule } from '../database/job-queue/job-queue.module.js';
import { TenantPurgeJob } from './closure/tenant-purge.job.js';
import { MentionEraser } from './erasure/mention-eraser.sql.js';
import { PersonalDataEraser } from './erasure/personal-data-eraser.sql.js';
import { SubjectIdentifierReader } from './erasure/subject-identifiers.reader.js';
import { AccessExportJob, PortabilityExportJob } from './exports/export.job.js';
import { PrivacyExport, PrivacyExportChunk } from './exports/privacy-export.entity.js';
import { PrivacyExportController } from './exports/privacy-export.controller.js';
import { PrivacyExportResolver } from './exports/privacy-export.resolver.js';
import { PrivacyExportService } from './exports/privacy-export.service.js';
import { ErasureJob } from './jobs/erasure.job.js';
import { ObjectionJob } from './jobs/objection.job.js';
import { PRIVACY_JOB_PROCESSORS, type PrivacyJobProcessor } from './jobs/privacy-job.js';
import { PrivacyJobRunner } from './jobs/privacy-job.runner.js';
import { RectificationJob } from './jobs/rectification.job.js';
import { UserErasureJob } from './jobs/user-erasure.job.js';
import { PersonalDataRegistry } from './personal-data/personal-data.registry.js';
import { PrivacyPersonalData } from './personal-data/privacy.personal-data.js';
import { SubjectTenants } from './personal-data/subject-tenants.js';
import { DataSubjectRequest } from './requests/data-subject-request.entity.js';
import { DataSubjectRequestEvent } from './requests/data-subject-request-event.entity.js';
import { DataSubjectRequestResolver } from './requests/data-subject-request.resolver.js';
import { DataSubjectRequestService } from './requests/data-subject-request.service.js';
import { RetentionPolicyResolver } from './retention/retention-policy.resolver.js';

/**
 * Data-subject rights: the registry of every module's personal data, requests with deadlines and history, and the
 * background jobs that carry them out: rectification, access/portability exports, erasure (of a contact, or of a
 * user's own account) and objection; the retention policies every module declares, and the purge of closed tenants.
 */
@Module({
  imports: [
    DiscoveryModule,
    MikroOrmModule.forFeature([DataSubjectRequest, DataSubjectRequestEvent, PrivacyExport, PrivacyExportChunk]),
    AccountsModule,
    AuditModule,
    ContactsModule,
    ConsentModule,
    JobQueueModule,
  ],
  controllers: [PrivacyExportController],
  providers: [
    PersonalDataRegistry,
    PrivacyPersonalData,
    SubjectTenants,
    DataSubjectRequestService,
    DataSubjectRequestResolver,
    PersonalDataEraser,
    MentionEraser,
    SubjectIdentifierReader,
    RectificationJob,
    ErasureJob,
    UserErasureJob,
    ObjectionJob,
    AccessExportJob,
    PortabilityExportJob,
    PrivacyExportService,
    PrivacyExportResolver,
    {
      provide: PRIVACY_JOB_PROCESSORS,
      useFactory: (...processors: PrivacyJobProcessor[]) => processors,
      inject: [RectificationJob, ErasureJob, UserErasureJob, ObjectionJob, AccessExportJob, PortabilityExportJob],
    },
    PrivacyJobRunner,
    RetentionPolicyResolver,
    TenantPurgeJob,
  ],
  exports: [PersonalDataRegistry, PrivacyJobRunner],
})
export class PrivacyModule {}
