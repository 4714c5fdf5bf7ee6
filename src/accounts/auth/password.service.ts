import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';
import { AppError, ErrorCode } from '../../common/errors/app-errors.js';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

/** The most common passwords that still pass a length rule; a breached-password service could replace this list. */
const COMMON = new Set([
  'password123',
  'password1234',
  'qwertyuiop',
  '1234567890',
  '12345678910',
  'iloveyou123',
  'letmein1234',
  'welcome123',
  'admin12345',
  'passw0rd123',
  'qwerty12345',
  'abc1234567',
  'football123',
  'monkey12345',
  'changeme123',
  'password!1',
  'aaaaaaaaaa',
  '0123456789',
  'qwertyuiop1',
  'trustno1234',
]);

/** argon2id with the library's defaults (64 MiB, t=3, p=4): the OWASP-recommended choice for stored passwords. */
@Injectable()
export class PasswordService {
  /** A hash that matches nothing, verified when the email is unknown so both paths take the same time. */
  private readonly decoy = argon2.hash('decoy-password-never-used', { type: argon2.argon2id });

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash ?? (await this.decoy), password);
    } catch {
      return false;
    }
  }

  /** Length, not composition rules (NIST SP 800-63B), plus refusing common and personal passwords. */
  assertStrong(password: string, personal: { email: string; fullName?: string }): void {
    const problems: string[] = [];
    if (password.length < PASSWORD_MIN_LENGTH) problems.push(`use at least ${PASSWORD_MIN_LENGTH} characters`);
    if (password.length > PASSWORD_MAX_LENGTH) problems.push(`use at most ${PASSWORD_MAX_LENGTH} characters`);
    const lower = password.toLowerCase();
    if (COMMON.has(lower)) problems.push('it is one of the most common passwords');
    if (new Set(password).size < 5) problems.push('use more distinct characters');
    const localPart = personal.email.split('@')[0]?.toLowerCase() ?? '';
    if (localPart.length >= 4 && lower.includes(localPart)) problems.push('do not include your email address');
    const names = (personal.fullName ?? '')
      .toLowerCase()
      .split(/\s+/)
      .filter((n) => n.length >= 4);
    if (names.some((n) => lower.includes(n))) problems.push('do not include your name');
    if (problems.length > 0) {
      throw new AppError(ErrorCode.WEAK_PASSWORD, `Password too weak: ${problems.join('; ')}.`, { problems });
    }
  }
}
