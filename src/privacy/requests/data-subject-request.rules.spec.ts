import { expect } from '@jest/globals';
import { PrivacyDeadlineRule } from '../../accounts/index.js';
import { DataSubjectRequestStatus as S } from './data-subject-request.entity';
import { addCalendarMonths, assertTransition, canMove, dueDate, latestExtendedDueDate } from './data-subject-request.rules';

const at = (iso: string) => new Date(iso);

describe('data-subject request deadlines', () => {
  it("counts one calendar month, ending on the month's last day when it is shorter", () => {
    expect(addCalendarMonths(at('2026-01-15T10:00:00Z'), 1).toISOString()).toBe('2026-02-15T10:00:00.000Z');
    expect(addCalendarMonths(at('2026-01-31T10:00:00Z'), 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addCalendarMonths(at('2028-01-31T10:00:00Z'), 1).toISOString()).toBe('2028-02-29T10:00:00.000Z');
    expect(addCalendarMonths(at('2026-12-31T23:30:00Z'), 1).toISOString()).toBe('2027-01-31T23:30:00.000Z');
    expect(addCalendarMonths(at('2026-11-30T00:00:00Z'), 3).toISOString()).toBe('2027-02-28T00:00:00.000Z');
  });

  it('is due after one month under GDPR and 45 days under CCPA, extendable by two months or 45 days', () => {
    const received = at('2026-03-10T09:00:00Z');
    expect(dueDate(PrivacyDeadlineRule.GDPR_ONE_MONTH, received).toISOString()).toBe('2026-04-10T09:00:00.000Z');
    expect(dueDate(PrivacyDeadlineRule.CCPA_45_DAYS, received).toISOString()).toBe('2026-04-24T09:00:00.000Z');
    expect(latestExtendedDueDate(PrivacyDeadlineRule.GDPR_ONE_MONTH, at('2026-04-10T09:00:00Z')).toISOString()).toBe('2026-06-10T09:00:00.000Z');
    expect(latestExtendedDueDate(PrivacyDeadlineRule.CCPA_45_DAYS, at('2026-04-24T09:00:00Z')).toISOString()).toBe('2026-06-08T09:00:00.000Z');
  });
});

describe('data-subject request status machine', () => {
  it('moves forward through verification and work, and ends in one of three final states', () => {
    expect(canMove(S.RECEIVED, S.VERIFIED)).toBe(true);
    expect(canMove(S.VERIFIED, S.IN_PROGRESS)).toBe(true);
    expect(canMove(S.IN_PROGRESS, S.COMPLETED)).toBe(true);
    expect(canMove(S.RECEIVED, S.IN_PROGRESS)).toBe(false);
    expect(canMove(S.IN_PROGRESS, S.CANCELLED)).toBe(false);
    for (const final of [S.COMPLETED, S.REJECTED, S.CANCELLED]) {
      for (const to of Object.values(S)) expect(canMove(final, to)).toBe(false);
    }
  });

  it('refuses a bad move with INVALID_TRANSITION', () => {
    expect(() => {
      assertTransition(S.COMPLETED, S.CANCELLED);
    }).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'INVALID_TRANSITION' }) }));
  });
});
