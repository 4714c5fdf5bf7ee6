import { SuppressionChannel } from '../../src/consent/purposes/consent-purpose';
import { SuppressionKey } from '../../src/consent/ledger/suppression-key';
import type { TestServer } from './test-server';
import type { PrivilegedQuery } from './trace-scan';

/** The suppression list's hash of an email (or, without an @, a phone number), under the server's key. */
export function suppressionHash(server: TestServer, identifier: string): string {
  const channel = identifier.includes('@') ? SuppressionChannel.EMAIL : SuppressionChannel.SMS;
  return server.app.get(SuppressionKey).hashOf(channel, identifier);
}

/** Whether the identifier is on the suppression list of the database `query` reads. */
export async function isSuppressed(server: TestServer, query: PrivilegedQuery, identifier: string): Promise<boolean> {
  return (await query(`select 1 from consent_suppression where identifier_hash = $1`, [suppressionHash(server, identifier)])).length > 0;
}
