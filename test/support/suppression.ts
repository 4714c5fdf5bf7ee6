import { SuppressionChannel } from '../../src/consent/purposes/consent-purpose';
import { SuppressionKey } from '../../src/consent/ledger/suppression-key';
import type { TestServer } from './test-server';

/** The suppression list's hash of an email (or, without an @, a phone number), under the server's key. */
export function suppressionHash(server: TestServer, identifier: string): string {
  const channel = identifier.includes('@') ? SuppressionChannel.EMAIL : SuppressionChannel.SMS;
  return server.app.get(SuppressionKey).hashOf(channel, identifier);
}
