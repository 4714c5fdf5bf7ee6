import { createHmac } from 'node:crypto';
import type { AppConfig } from '../../config/app-config.js';
import { resolveServerSecret } from '../../config/server-secret.js';
import { SuppressionChannel } from '../purposes/consent-purpose.js';

/**
 * The key of the suppression list's hashes. An unkeyed hash of a phone number (or a guessable email) is found again by
 * hashing every candidate; keyed, the list reveals nothing to whoever reads the table without the key. It must never
 * change: entries hashed under an old key no longer match (which is why it is not derived from JWT_SECRET, which may
 * be rotated).
 */
export class SuppressionKey {
  constructor(readonly value: string) {}

  /** SUPPRESSION_HASH_KEY when set (required in production); otherwise generated once into DATA_DIR/suppression-key. */
  static resolve(this: void, config: AppConfig): SuppressionKey {
    return new SuppressionKey(resolveServerSecret(config, config.SUPPRESSION_HASH_KEY, 'suppression-key'));
  }

  /** HMAC-SHA-256 of the normalised identifier, hex: what the list stores and looks up. */
  hashOf(channel: SuppressionChannel, identifier: string): string {
    return createHmac('sha256', this.value)
      .update(`${channel}:${normaliseIdentifier(channel, identifier)}`, 'utf8')
      .digest('hex');
  }
}

/** Trimmed and lower-cased email; `+` and the digits of a phone number. The forms the suppression list hashes. */
export function normaliseIdentifier(channel: SuppressionChannel, identifier: string): string {
  return channel === SuppressionChannel.EMAIL ? identifier.trim().toLowerCase() : `+${identifier.replace(/\D/g, '')}`;
}
