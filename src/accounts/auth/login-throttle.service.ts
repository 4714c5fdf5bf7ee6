import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { AppError, ErrorCode } from '../../common/errors/app-errors.js';
import { RateLimitStore } from '../../common/rate-limit/rate-limit.store.js';

/**
 * Counts failed log-ins per account and per IP over a window; past either limit, further attempts are refused until
 * the window ends, whether or not the password is right, and whether or not the account exists.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly store: RateLimitStore,
    private readonly config: AppConfig,
  ) {}

  private get windowMs(): number {
    return this.config.LOGIN_FAILURE_WINDOW_MINUTES * 60_000;
  }

  async assertAllowed(email: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([this.store.peek(accountKey(email)), this.store.peek(ipKey(ip))]);
    if (account >= this.config.LOGIN_MAX_FAILURES_PER_ACCOUNT || address >= this.config.LOGIN_MAX_FAILURES_PER_IP) {
      throw new AppError(ErrorCode.RATE_LIMITED, `Too many failed log-in attempts. Try again in ${this.config.LOGIN_FAILURE_WINDOW_MINUTES} minutes.`, {
        retryAfterSeconds: this.config.LOGIN_FAILURE_WINDOW_MINUTES * 60,
      });
    }
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([this.store.hit(accountKey(email), this.windowMs), this.store.hit(ipKey(ip), this.windowMs)]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.store.reset(accountKey(email));
  }
}

const accountKey = (email: string) => `login:account:${email}`;
const ipKey = (ip: string) => `login:ip:${ip}`;
