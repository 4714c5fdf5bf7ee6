import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AccountsModule } from '../../accounts/accounts.module.js';
import { Contact } from './contact.entity.js';

@Module({
  imports: [MikroOrmModule.forFeature([Contact]), AccountsModule],
  providers: [],
  exports: [],
})
export class ContactsModule {}
