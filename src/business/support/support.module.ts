import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { SupportAttachmentController } from './support-attachment.controller.js';
import { SupportAttachmentService } from './support-attachment.service.js';
import { SupportAttachment, SupportReply, SupportRequest } from './support-request.entity.js';
import { SupportRequestService } from './support-request.service.js';
import { SupportStaffService } from './support-staff.service.js';
import { SupportStaffAuditLog } from './support-staff-audit.js';
import { SupportThreads } from './support-threads.js';
import { SupportRequestResolver, SupportStaffResolver } from './support.resolver.js';

@Module({
  imports: [MikroOrmModule.forFeature([SupportRequest, SupportReply, SupportAttachment]), AccountsModule],
  controllers: [SupportAttachmentController],
  providers: [
    SupportThreads,
    SupportStaffAuditLog,
    SupportRequestService,
    SupportStaffService,
    SupportAttachmentService,
    SupportRequestResolver,
    SupportStaffResolver,
  ],
  exports: [],
})
export class SupportModule {}
