import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Job } from './job.entity.js';
import { JobQueue } from './job-queue.js';
import { JobQueuePersonalData } from './job-queue.personal-data.js';

/** The job queue every background worker runs on; feature modules import it and register their kinds' handlers. */
@Module({
  imports: [MikroOrmModule.forFeature([Job])],
  providers: [JobQueue, JobQueuePersonalData],
  exports: [JobQueue],
})
export class JobQueueModule {}
