import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { ExportRow, ExportTable, Subject } from './subject-data.reader.js';

export const EXPORT_FORMAT_VERSION = 1;
/** How much of an entry is read ahead of the compressor: less than a page, so one page at a time. */
const ENTRY_BUFFER_BYTES = 16 * 1024;

/** Where the rows of one table come from: a fresh read each time it is called, yielding a page of rows at a time. */
export type RowSource = (table: ExportTable) => AsyncIterable<ExportRow[]>;

/** One value as JSON gives it back: times in ISO 8601 UTC, bytes in base64, everything else as stored. */
export function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value ?? null;
}

/** What a spreadsheet would run as a formula: a cell starting with =, +, -, @, a tab or a carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?$/;

/**
 * The same value as a CSV cell (RFC 4180): empty for null, JSON for structured values. Text that a spreadsheet would
 * run as a formula (others typed it: a note, a message body) gets a leading apostrophe, so opening the file can not
 * run it; numbers stay as they are. subject.json keeps every value exactly.
 */
function textOf(plain: unknown): string {
  if (typeof plain === 'string') return plain;
  if (typeof plain === 'number' || typeof plain === 'boolean' || typeof plain === 'bigint') return plain.toString();
  return JSON.stringify(plain);
}

export function csvCell(value: unknown): string {
  const plain = jsonValue(value);
  if (plain === null) return '';
  let text = textOf(plain);
  if (typeof plain === 'string' && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function readmeText(generatedAt: Date): string {
  return [
    'PromoX: a copy of the personal data held about you',
    `Generated ${generatedAt.toISOString()}, format version ${EXPORT_FORMAT_VERSION}.`,
    '',
    'subject.json, one JSON document:',
    '  formatVersion  integer; changes when the layout below changes.',
    '  generatedAt    when this file was made (ISO 8601, UTC).',
    '  subject        { kind: "user" | "contact", id }: who the data is about.',
    '  tables         one key per table of PromoX that holds data about you, each:',
    '    module       the part of PromoX that keeps it (accounts, business, consent, audit, privacy).',
    '    description  what the rows are, how they are linked to you, and what erasure would do to them.',
    '    columns      the column names, in the order of the CSV file.',
    '    rows         the rows, as objects keyed by column. Times are ISO 8601 UTC, bytes base64, ids UUIDs.',
    '',
    '<table>.csv, one per table, the same rows (RFC 4180, UTF-8, a header row; empty cell = no value;',
    'structured values as JSON). A text that starts with =, +, -, @ (and is not a number) begins with an',
    'apostrophe there, so that a spreadsheet shows it instead of running it; subject.json has it exactly.',
    '',
    'Secrets (password and token hashes) are never included. A table with no rows about you still appears, empty.',
    '',
  ].join('\n');
}

/**
 * A page's text as bytes, made in one go: its strings are garbage as soon as it returns, and the page goes through
 * the streams and the compressor as one write instead of one per row (which cost most of the build's time).
 */
function pageBytes(parts: string[]): Buffer {
  return Buffer.from(parts.join(''), 'utf8');
}

async function* subjectJson(subject: Subject, generatedAt: Date, tables: ExportTable[], rows: RowSource): AsyncGenerator<Buffer> {
  const head = `{"formatVersion":${EXPORT_FORMAT_VERSION},"generatedAt":${JSON.stringify(generatedAt.toISOString())},`;
  yield pageBytes([head, `"subject":${JSON.stringify({ kind: subject.kind, id: subject.id })},"tables":{`]);
  for (const [index, table] of tables.entries()) {
    yield pageBytes([
      `${index ? ',' : ''}${JSON.stringify(table.table)}:${JSON.stringify({ module: table.module, description: table.description, columns: table.columns }).slice(0, -1)},"rows":[`,
    ]);
    let first = true;
    for await (const page of rows(table)) {
      const parts = page.map((row) => {
        const out: Record<string, unknown> = {};
        for (const column of table.columns) out[column] = jsonValue(row[column]);
        const text = `${first ? '' : ','}\n${JSON.stringify(out)}`;
        first = false;
        return text;
      });
      yield pageBytes(parts);
    }
    yield pageBytes([']}']);
  }
  yield pageBytes(['}}\n']);
}

async function* tableCsv(table: ExportTable, rows: RowSource): AsyncGenerator<Buffer> {
  yield pageBytes([`${table.columns.map(csvCell).join(',')}\r\n`]);
  for await (const page of rows(table)) yield pageBytes(page.map((row) => `${table.columns.map((c) => csvCell(row[c])).join(',')}\r\n`));
}

/**
 * An entry's bytes as a byte stream (not an object stream, which would read 16 pages ahead): it reads the next page
 * only when what it holds has gone on to the compressor.
 */
function entryStream(pages: AsyncGenerator<Buffer>): Readable {
  return Readable.from(pages, { objectMode: false, highWaterMark: ENTRY_BUFFER_BYTES });
}

/**
 * Streams the ZIP (README.txt, subject.json, one CSV per table) into `sink`. Entries are lazy streams that the ZIP
 * writer pulls one after another, and it pulls only as fast as the sink takes bytes: at any time one page of rows
 * and the sink's buffer are in memory, however many rows the subject has.
 *
 * It fails as soon as a page can not be read or a chunk can not be stored, and then stops every entry: the ZIP writer
 * does not listen for its entries' errors (one would crash the process), nor stop reading them when its output fails
 * (they would go on querying a transaction that is being rolled back).
 */
export async function writeExportArchive(subject: Subject, generatedAt: Date, tables: ExportTable[], rows: RowSource, sink: Writable): Promise<void> {
  const zip = new ZipFile();
  const options = { mtime: generatedAt };
  const entries = [
    { name: 'subject.json', stream: entryStream(subjectJson(subject, generatedAt, tables, rows)) },
    ...tables.map((table) => ({ name: `${table.table}.csv`, stream: entryStream(tableCsv(table, rows)) })),
  ];
  const entryFailed = new Promise<never>((_resolve, reject) => {
    for (const { stream } of entries) stream.on('error', reject);
    zip.on('error', reject);
  });
  zip.addBuffer(Buffer.from(readmeText(generatedAt)), 'README.txt', options);
  for (const { name, stream } of entries) zip.addReadStream(stream, name, options);
  zip.end();
  const written = pipeline(zip.outputStream, sink);
  try {
    await Promise.race([written, entryFailed]);
  } catch (error) {
    for (const { stream } of entries) stream.destroy();
    sink.destroy();
    // Settles once the output is torn down; the first error is the one reported.
    await written.catch(() => undefined);
    throw error;
  }
}

/**
 * A sink that cuts the stream into chunks of exactly `size` bytes (the last one shorter) and hands each to `store`,
 * waiting for it (backpressure): it holds less than one chunk plus one write.
 */
export function chunkSink(size: number, store: (chunk: Buffer) => Promise<void>): Writable {
  let parts: Buffer[] = [];
  let length = 0;
  const storeFull = async (): Promise<void> => {
    const data = Buffer.concat(parts, length);
    let offset = 0;
    for (; data.length - offset >= size; offset += size) await store(data.subarray(offset, offset + size));
    // A copy, so the rest does not keep the whole concatenation alive.
    parts = offset < data.length ? [Buffer.from(data.subarray(offset))] : [];
    length = data.length - offset;
  };
  return new Writable({
    write(data: Buffer, _encoding, callback) {
      parts.push(data);
      length += data.length;
      if (length < size) {
        callback();
        return;
      }
      storeFull().then(() => {
        callback();
      }, callback);
    },
    final(callback) {
      if (length === 0) {
        callback();
        return;
      }
      store(Buffer.concat(parts, length)).then(() => {
        callback();
      }, callback);
    },
  });
}
