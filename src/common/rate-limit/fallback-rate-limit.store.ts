import { Logger } from '@nestjs/common';
import { MemoryRateLimitStore, RateLimitStore, type RateLimitHit, type RateLimitStoreStatus, type RedisRateLimitStore } from './rate-limit.store.js';

/** While Redis is degraded, how often a request may check whether it answers again. */
const PROBE_INTERVAL_MS = 1_000;

/**
 * Shared counts in Redis while it answers; this instance's own memory while it does not, so that a Redis outage
 * loosens the limits (each instance counts on its own) instead of failing every request. The switch is logged each
 * way, the checks answered from memory are counted (readiness reports them), and Redis is used again as soon as it
 * answers: on reconnection, or a ping (at most one a second) for a Redis that stayed connected but stopped answering.
 */
export class FallbackRateLimitStore extends RateLimitStore {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new MemoryRateLimitStore();
  private degraded = false;
  private fallbacks = 0;
  private lastProbeAt = 0;
  private probing = false;

  constructor(private readonly shared: RedisRateLimitStore) {
    super();
    shared.redis.on('ready', () => {
      this.recover();
    });
    // ioredis reports every failed reconnection as an 'error' event; the switch to memory is logged once instead.
    shared.redis.on('error', () => undefined);
  }

  /** Waits (within `timeoutMs`) for the first connection, so that the first requests after boot count in Redis. */
  async connect(timeoutMs: number): Promise<void> {
    if (!(await this.shared.connect(timeoutMs))) this.degrade(new Error(`not connected within ${timeoutMs} ms`));
  }

  hit(key: string, windowMs: number): Promise<RateLimitHit> {
    return this.use((store) => store.hit(key, windowMs));
  }

  peek(key: string): Promise<number> {
    return this.use((store) => store.peek(key));
  }

  reset(key: string): Promise<void> {
    return this.use((store) => store.reset(key));
  }

  status(): RateLimitStoreStatus {
    if (this.degraded) this.probe();
    return { backend: 'redis', redis: this.degraded ? 'degraded' : 'up', fallbacks: this.fallbacks };
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), this.local.close()]);
  }

  private async use<T>(operation: (store: RateLimitStore) => Promise<T>): Promise<T> {
    if (this.degraded) this.probe();
    if (!this.degraded) {
      try {
        return await operation(this.shared);
      } catch (error) {
        this.degrade(error);
      }
    }
    this.fallbacks += 1;
    return operation(this.local);
  }

  private degrade(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(
      `Redis unavailable (${error instanceof Error ? error.message : String(error)}): rate limits are counted in this instance's memory until it answers again`,
    );
  }

  private recover(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.log(`Redis answers again: rate limits are shared again (${this.fallbacks} checks were answered from memory so far)`);
  }

  private probe(): void {
    const now = Date.now();
    if (this.probing || now - this.lastProbeAt < PROBE_INTERVAL_MS) return;
    this.lastProbeAt = now;
    this.probing = true;
    this.shared.redis
      .ping()
      .then(
        () => {
          this.recover();
        },
        () => undefined,
      )
      .finally(() => (this.probing = false));
  }
}
