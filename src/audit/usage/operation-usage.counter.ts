import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { maintenanceFork } from '../../database/tenant-session.js';
import { addOperationCounts } from './operation-usage.sql.js';

const FLUSH_INTERVAL_MS = 30_000;
/** Rows per INSERT: keeps each statement's parameter count well under PostgreSQL's limit. */
const FLUSH_BATCH = 500;

interface Count {
  tenantId: string;
  hour: Date;
  operationType: string;
  fieldName: string;
  count: number;
}

/**
 * Counts GraphQL operations per tenant, root field and hour in memory, and adds the counts to `operation_usage` every
 * 30 seconds and at shutdown (as crm_maintenance, one upsert per batch). A crash loses at most that window's counts.
 */
@Injectable()
export class OperationUsageCounter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OperationUsageCounter');
  private counts = new Map<string, Count>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly orm: MikroORM) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  count(tenantId: string, operationType: string, fieldNames: readonly string[], at = new Date()): void {
    const hour = new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
    for (const fieldName of fieldNames) {
      const key = `${tenantId}|${hour.getTime()}|${operationType}|${fieldName}`;
      const entry = this.counts.get(key);
      if (entry) entry.count += 1;
      else this.counts.set(key, { tenantId, hour, operationType, fieldName: fieldName.slice(0, 100), count: 1 });
    }
  }

  /** Writes what has been counted so far; later calls wait for an earlier one. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.write())
      .catch((error: unknown) => {
        this.logger.error(`Writing operation counts failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0) return;
    const pending = [...this.counts.values()];
    this.counts = new Map();
    const em = maintenanceFork(this.orm);
    try {
      for (let i = 0; i < pending.length; i += FLUSH_BATCH) {
        const batch = pending.slice(i, i + FLUSH_BATCH);
        await addOperationCounts(em, batch);
      }
    } catch (error) {
      // Put the counts back, so that the next flush tries again.
      for (const c of pending) this.count(c.tenantId, c.operationType, Array<string>(c.count).fill(c.fieldName), c.hour);
      throw error;
    }
  }
}
