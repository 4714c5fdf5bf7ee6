import { Redis } from 'ioredis';

export interface RateLimitHit {
  count: number;
  /** Milliseconds until the window resets. */
  resetInMs: number;
}

/** Where the counts are kept, for readiness: Redis may be degraded, in which case each instance counts on its own. */
export type RateLimitStoreStatus =
  | { backend: 'memory' }
  | {
      backend: 'redis';
      redis: 'up' | 'degraded';
      /** Checks answered from this instance's memory because Redis did not answer, since the instance started. */
      fallbacks: number;
    };

/** Fixed-window counters. In memory for one instance; Redis when several instances must share the counts. */
export abstract class RateLimitStore {
  abstract hit(key: string, windowMs: number): Promise<RateLimitHit>;
  abstract peek(key: string): Promise<number>;
  abstract reset(key: string): Promise<void>;
  abstract status(): RateLimitStoreStatus;
  abstract close(): Promise<void>;
}

export class MemoryRateLimitStore extends RateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper = setInterval(() => {
    this.sweep();
  }, 60_000).unref();

  hit(key: string, windowMs: number): Promise<RateLimitHit> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return Promise.resolve({ count: window.count, resetInMs: window.resetAt - now });
  }

  peek(key: string): Promise<number> {
    const window = this.windows.get(key);
    return Promise.resolve(window && window.resetAt > Date.now() ? window.count : 0);
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  status(): RateLimitStoreStatus {
    return { backend: 'memory' };
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

/**
 * Counters in Redis, failing fast when Redis does not answer (see FallbackRateLimitStore, which serves from memory
 * then): commands are not queued while disconnected, and each has a timeout.
 */
export class RedisRateLimitStore extends RateLimitStore {
  readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
    commandTimeoutMs = 500,
  ) {
    super();
    // Queued commands would run late against the wrong window; while disconnected, commands fail at once instead.
    this.redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: commandTimeoutMs, lazyConnect: false });
  }

  /** Waits for the connection, at most `timeoutMs`; whether it is connected (commands fail until it is). */
  async connect(timeoutMs: number): Promise<boolean> {
    const { redis } = this;
    if (redis.status !== 'ready') {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          redis.off('ready', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        redis.once('ready', done);
      });
    }
    return redis.status === 'ready';
  }

  async hit(key: string, windowMs: number): Promise<RateLimitHit> {
    const fullKey = this.prefix + key;
    // One round trip: count, start the window on the first hit only, read what is left of it.
    const result = await this.redis.multi().incr(fullKey).pexpire(fullKey, windowMs, 'NX').pttl(fullKey).exec();
    if (!result) throw new Error('Redis transaction aborted');
    const failure = result.find(([error]) => error)?.[0];
    if (failure) throw failure;
    const count = Number(result[0][1]);
    const ttl = Number(result[2][1]);
    return { count, resetInMs: ttl > 0 ? ttl : windowMs };
  }

  async peek(key: string): Promise<number> {
    return Number((await this.redis.get(this.prefix + key)) ?? 0);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  status(): RateLimitStoreStatus {
    return { backend: 'redis', redis: this.redis.status === 'ready' ? 'up' : 'degraded', fallbacks: 0 };
  }

  async close(): Promise<void> {
    // quit() waits for an answer that a Redis which went away never sends.
    if (this.redis.status === 'ready')
      await this.redis.quit().catch(() => {
        this.redis.disconnect();
      });
    else this.redis.disconnect();
  }
}
