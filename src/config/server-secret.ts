import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from './app-config.js';

/**
 * A server secret: the configured value when set (production requires it), otherwise one generated once and kept in
 * DATA_DIR under `fileName`, so that a development server keeps it across restarts; DATA_DIR is never committed.
 */
export function resolveServerSecret(config: AppConfig, configured: string | undefined, fileName: string): string {
  if (configured) return configured;
  const file = join(config.DATA_DIR, fileName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
