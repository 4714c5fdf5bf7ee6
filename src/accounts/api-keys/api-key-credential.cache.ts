import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import type { VerifiedCredential } from '../../common/context/credential-verifier.js';

const MAX_ENTRIES = 10_000;

/**
 * Verified API keys, remembered for API_KEY_CACHE_SECONDS so that a partner paging through orders is not charged a
 * credential lookup per page. Revoking a key forgets it here at once; other instances notice within the TTL.
 */
@Injectable()
export class ApiKeyCredentialCache {
  private readonly entries = new Map<string, { credential: VerifiedCredential; keyId: string; expiresAt: number }>();
  private readonly ttlMs: number;

  constructor(config: AppConfig) {
    this.ttlMs = config.API_KEY_CACHE_SECONDS * 1000;
  }

  get(secretHash: string): VerifiedCredential | null {
    const entry = this.entries.get(secretHash);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(secretHash);
      return null;
    }
    return entry.credential;
  }

  /** Keeps the credential until the TTL ends or the key itself expires, whichever is first. */
  remember(secretHash: string, keyId: string, credential: VerifiedCredential, keyExpiresAt: Date | undefined): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    const expiresAt = Math.min(Date.now() + this.ttlMs, keyExpiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
    this.entries.set(secretHash, { credential, keyId, expiresAt });
  }

  forgetKey(keyId: string): void {
    for (const [hash, entry] of this.entries) if (entry.keyId === keyId) this.entries.delete(hash);
  }
}
