import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RetentionJobs } from '../../audit/index.js';
import { thinOrderFeedMarks } from './order-feed-mark.sql.js';

/**
 * Feed marks are written up to once a minute per tenant. A sync since T needs a mark at or shortly before T, and a
 * day's precision is plenty for T older than a day: after a day only each tenant's last mark of each day is kept.
 */
@Injectable()
export class OrderFeedMarkRetention implements OnModuleInit {
  constructor(private readonly retention: RetentionJobs) {}

  onModuleInit(): void {
    this.retention.register(async (em, now) => ({ orderFeedMarksThinned: await thinOrderFeedMarks(em, now) }));
  }
}
