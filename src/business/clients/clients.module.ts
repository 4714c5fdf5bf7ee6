import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { Client } from './client.entity.js';

@Module({
  imports: [MikroOrmModule.forFeature([Client]), AccountsModule],
  providers: [],
  exports: [],
})
export class ClientsModule {}
