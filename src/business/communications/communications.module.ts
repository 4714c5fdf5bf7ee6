import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { Communication } from './communication.entity.js';
import { CommunicationResolver } from './communication.resolver.js';
import { CommunicationService } from './communication.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Communication]), AccountsModule],
  providers: [CommunicationService, CommunicationResolver],
  exports: [],
})
export class CommunicationsModule {}
