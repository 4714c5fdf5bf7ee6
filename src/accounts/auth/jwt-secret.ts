import type { AppConfig } from '../../config/app-config.js';
import { resolveServerSecret } from '../../config/server-secret.js';

/** The access-token signing key. */
export class JwtSecret {
  constructor(readonly value: string) {}

  /** JWT_SECRET when set (required in production); otherwise generated once into DATA_DIR/jwt-secret. */
  static resolve(this: void, config: AppConfig): JwtSecret {
    return new JwtSecret(resolveServerSecret(config, config.JWT_SECRET, 'jwt-secret'));
  }
}
