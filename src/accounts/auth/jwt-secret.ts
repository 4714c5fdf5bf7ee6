import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../../config/app-config.js';

/** The access-token signing key. */
export class JwtSecret {
  constructor(readonly value: string) {}

  /**
   * JWT_SECRET when set (required in production). Otherwise a key generated once and kept in DATA_DIR, so that a
   * development server's sessions survive restarts; it is never committed (DATA_DIR is ignored).
   */
  static resolve(config: AppConfig): JwtSecret {
    if (config.JWT_SECRET) return new JwtSecret(config.JWT_SECRET);
    const file = join(config.DATA_DIR, 'jwt-secret');
    if (existsSync(file)) return new JwtSecret(readFileSync(file, 'utf8').trim());
    mkdirSync(config.DATA_DIR, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600 });
    chmodSync(file, 0o600);
    return new JwtSecret(secret);
  }
}
