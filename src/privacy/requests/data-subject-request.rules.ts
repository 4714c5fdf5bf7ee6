import { PrivacyDeadlineRule } from '../../accounts/index.js';
import { AppError, ErrorCode } from '../../common/errors/app-errors.js';
import { DataSubjectRequestStatus as S } from './data-subject-request.entity.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The same day of the month `months` later (UTC), or that month's last day when it is shorter: a request received on
 * 31 January is due on 28 (or 29) February, as the EU's rule on periods (Regulation 1182/71, art. 3) counts months.
 */
export function addCalendarMonths(from: Date, months: number): Date {
  const target = new Date(from.getTime());
  const day = from.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target;
}

export function dueDate(rule: PrivacyDeadlineRule, receivedAt: Date): Date {
  return rule === PrivacyDeadlineRule.CCPA_45_DAYS ? new Date(receivedAt.getTime() + 45 * DAY_MS) : addCalendarMonths(receivedAt, 1);
}

/** The latest date a single extension may move the deadline to: two further months (GDPR) or 45 days (CCPA). */
export function latestExtendedDueDate(rule: PrivacyDeadlineRule, originalDueAt: Date): Date {
  return rule === PrivacyDeadlineRule.CCPA_45_DAYS ? new Date(originalDueAt.getTime() + 45 * DAY_MS) : addCalendarMonths(originalDueAt, 2);
}

const TRANSITIONS: Readonly<Record<S, readonly S[]>> = {
  [S.RECEIVED]: [S.VERIFIED, S.REJECTED, S.CANCELLED],
  [S.VERIFIED]: [S.IN_PROGRESS, S.REJECTED, S.CANCELLED],
  // Work has started and may have changed data: only the job finishes it (or rejects it when the subject is gone).
  [S.IN_PROGRESS]: [S.COMPLETED, S.REJECTED],
  [S.COMPLETED]: [],
  [S.REJECTED]: [],
  [S.CANCELLED]: [],
};

export function canMove(from: S, to: S): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws INVALID_TRANSITION, naming both statuses, when the state machine does not allow the move. */
export function assertTransition(from: S, to: S): void {
  if (!canMove(from, to)) {
    throw new AppError(ErrorCode.INVALID_TRANSITION, `A ${from} request can not become ${to}.`, { from, to });
  }
}

export const isOpen = (status: S): boolean => status === S.RECEIVED || status === S.VERIFIED || status === S.IN_PROGRESS;
