import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * High-entropy bearer secrets (refresh tokens, invitation tokens, API keys). 32 random bytes make brute force
 * pointless, so a fast SHA-256 is the right stored form; only the hash is kept, the secret is shown once.
 */
export function generateSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
