import { Global, Injectable, Module } from '@nestjs/common';
import type { TenantContext } from '../context/request-context.js';

/** One rule on how many seats (members plus pending invitations) a tenant may fill: its subscription's. */
export interface SeatAllowance {
  /** Throws an AppError (SEAT_LIMIT_REACHED) when `ctx`'s tenant may not fill `seatsNeeded` seats. */
  assertSeatsAvailable(ctx: TenantContext, seatsNeeded: number): Promise<void>;
}

/**
 * The seat rules feature modules register at start-up (billing). `accounts` asks them before inviting a member, so it
 * depends on no billing code; with none registered, seats are unlimited.
 */
@Injectable()
export class SeatAllowances {
  private readonly allowances: SeatAllowance[] = [];

  register(allowance: SeatAllowance): void {
    this.allowances.push(allowance);
  }

  async assertSeatsAvailable(ctx: TenantContext, seatsNeeded: number): Promise<void> {
    for (const allowance of this.allowances) await allowance.assertSeatsAvailable(ctx, seatsNeeded);
  }
}

@Global()
@Module({ providers: [SeatAllowances], exports: [SeatAllowances] })
export class SeatAllowancesModule {}
