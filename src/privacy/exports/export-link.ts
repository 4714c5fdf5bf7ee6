import { createHash, createHmac } from 'node:crypto';

export const EXPORT_LINK_DAYS = 7;
export const EXPORT_PATH = '/privacy/exports';

/**
 * The link's token, derived from the export's id with the server's secret, so the subject can fetch the link from
 * their request again while the database holds only the token's hash (a copy of the table gives no working link).
 */
export function exportToken(secret: string, exportId: string): string {
  return createHmac('sha256', secret).update(`privacy-export:${exportId}`).digest('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
