import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { SupportAttachment, SupportReply, SupportRequest } from './support-request.entity.js';

@Module({
  imports: [MikroOrmModule.forFeature([SupportRequest, SupportReply, SupportAttachment]), AccountsModule],
  providers: [],
  exports: [],
})
export class SupportModule {}
