import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { Communication } from './communication.entity.js';

@Module({
  imports: [MikroOrmModule.forFeature([Communication]), AccountsModule],
  providers: [],
  exports: [],
})
export class CommunicationsModule {}
