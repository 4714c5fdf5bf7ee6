import type { IncomingMessage } from 'node:http';

export const RAW_BODY = 'rawBody';
export interface WithRawBody {
  [RAW_BODY]?: Buffer;
}

/**
 * A body-parser `verify` hook that keeps the raw bytes of requests to `paths` (webhooks whose signature covers the
 * exact body), and of no other request, so ordinary requests do not carry their body twice.
 */
export function keepRawBodyOf(paths: readonly string[]) {
  return (req: IncomingMessage & WithRawBody, _res: unknown, buffer: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    if (paths.includes(path)) req[RAW_BODY] = buffer;
  };
}
