import type { Readable } from 'node:stream';
import { AppError, ErrorCode, badInput } from '../../common/errors/app-errors.js';

export const FILE_NAME_HEADER = 'x-file-name';
const MAX_FILE_NAME_LENGTH = 255;

/**
 * The file's name from the `X-File-Name` header. HTTP headers carry ASCII only, so the name is percent-encoded UTF-8
 * as in RFC 5987, with or without the `UTF-8''` prefix (e.g. `UTF-8''Pr%C3%BCfbericht.pdf`). Names that could act as
 * a path or hide characters (separators, control characters, `.`/`..`) are refused.
 */
export function parseFileName(header: string | string[] | undefined): string {
  const hint = "X-File-Name must be the file's name, percent-encoded UTF-8 (RFC 5987), e.g. UTF-8''report%20Q3.pdf";
  if (typeof header !== 'string' || header.trim() === '') throw fileNameError(`${hint}.`);
  const encoded = header.trim().replace(/^utf-8''/i, '');
  let name: string;
  try {
    name = decodeURIComponent(encoded).normalize('NFC');
  } catch {
    throw fileNameError(`${hint}: it is not valid percent-encoding.`);
  }
  if (name.trim() === '' || name.length > MAX_FILE_NAME_LENGTH) {
    throw fileNameError(`The file name must be 1–${MAX_FILE_NAME_LENGTH} characters.`);
  }
  if (/[\p{Cc}/\\]/u.test(name) || name === '.' || name === '..') {
    throw fileNameError('The file name must not contain path separators or control characters.');
  }
  return name;
}

function fileNameError(problem: string): AppError {
  return badInput(problem, { fields: [{ field: 'X-File-Name', problems: [problem] }] });
}

/** The media type without parameters, lower-cased (`Text/Plain; charset=utf-8` → `text/plain`). */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

export function tooLarge(maxBytes: number): AppError {
  return new AppError(ErrorCode.FILE_TOO_LARGE, `The file is larger than the limit of ${maxBytes} bytes.`, { maxBytes });
}

/**
 * Reads the request body into memory, up to `maxBytes`. Past the limit it stops keeping the bytes and answers null,
 * so an oversized upload never holds more than the limit in memory.
 */
export function readLimited(body: Readable, maxBytes: number): Promise<Buffer | null> {
  return new Promise<Buffer | null>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | null, error?: unknown) => {
      body.off('data', onData).off('end', onEnd).off('error', onError);
      if (error) reject(error instanceof Error ? error : new Error('Reading the request body failed.', { cause: error }));
      else resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        // Without listeners the rest of the body still flows and is discarded, so the response can be sent.
        finish(null);
        body.resume();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      finish(Buffer.concat(chunks, size));
    };
    const onError = (error: unknown) => {
      finish(null, error);
    };
    body.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** `Content-Disposition: attachment` with an ASCII fallback name and the exact name in RFC 5987 form. */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
