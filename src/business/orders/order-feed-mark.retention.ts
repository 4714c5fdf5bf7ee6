import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { QueryResult } from '@mikro-orm/postgresql';
import { RetentionJobs } from '../../audit/retention.jobs.js';

/**
 * Feed marks are written up to once a minute per tenant. A sync since T needs a mark at or shortly before T, and a
 * day's precision is plenty for T older than a day: after a day only each tenant's last mark of each day is kept.
 */
@Injectable()
export class OrderFeedMarkRetention implements OnModuleInit {
  constructor(private readonly retention: RetentionJobs) {}

  onModuleInit(): void {
    this.retention.register(async (em, now) => {
      const result = await em.execute<QueryResult>(
        `delete from order_feed_mark m
          where m.created_at < ?::timestamptz - interval '1 day'
            and exists (select 1 from order_feed_mark n
                         where n.tenant_id = m.tenant_id
                           and n.created_at >= date_trunc('day', m.created_at)
                           and n.created_at < date_trunc('day', m.created_at) + interval '1 day'
                           and (n.created_at, n.id) > (m.created_at, m.id))`,
        [now],
        'run',
      );
      return { orderFeedMarksThinned: result.affectedRows };
    });
  }
}
