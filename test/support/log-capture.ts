import type { DestinationStream } from 'pino';

/** One JSON log line as the app writes it. */
export interface LogLine {
  level: number;
  msg?: string;
  requestId?: string;
  context?: string;
  [field: string]: unknown;
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A log destination that keeps the app's lines, as written, for a test to read. */
export class LogCapture implements DestinationStream {
  readonly raw: string[] = [];

  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line) this.raw.push(line);
  }

  lines(): LogLine[] {
    return this.raw.map((line) => JSON.parse(line) as LogLine);
  }

  /** The lines that name the request id, in any field the app writes it to. */
  ofRequest(requestId: string): LogLine[] {
    return this.lines().filter((line) => line.requestId === requestId || (line.req as { id?: string } | undefined)?.id === requestId);
  }
}
