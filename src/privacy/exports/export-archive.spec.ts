import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { chunkSink, csvCell, writeExportArchive, type RowSource } from './export-archive';
import type { ExportRow, ExportTable } from './subject-data.reader';
import { unzip } from '../../../test/support/zip';

const subject = { kind: 'contact' as const, id: '0190f0f0-0000-7000-8000-000000000001' };
const generatedAt = new Date('2026-11-25T09:00:00Z');
const table = (name: string): ExportTable => ({
  table: name,
  module: 'business',
  description: `rows of ${name}`,
  columns: ['id', 'note'],
  times: [],
  links: [{ column: 'contact_id', value: subject.id }],
  hasTenant: true,
});

/** A RowSource over pages made synchronously: each page is handed over when the archive asks for the next. */
function rowSource(pages: () => Iterable<ExportRow[]>): RowSource {
  return () => {
    const iterator = pages()[Symbol.iterator]();
    return { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(iterator.next()) }) };
  };
}

/** Pages of `size` rows, `count` rows in all, as the reader gives them. */
function pagedRows(count: number, size: number): RowSource {
  return rowSource(function* () {
    for (let start = 0; start < count; start += size) {
      yield Array.from({ length: Math.min(size, count - start) }, (_, i): ExportRow => ({ id: `row-${start + i}`, note: `note, "${start + i}"` }));
    }
  });
}

/** A chunk store that keeps the chunks in memory. */
function keepIn(parts: Buffer[]): (chunk: Uint8Array) => Promise<void> {
  return (chunk) => {
    parts.push(Buffer.from(chunk));
    return Promise.resolve();
  };
}

function memorySink(): { sink: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  return { sink: chunkSink(64, keepIn(parts)), bytes: () => Buffer.concat(parts) };
}

describe('export archive', () => {
  it('writes every row of every page once, in both files, whatever the page size', async () => {
    const tables = [table('communication'), table('order')];
    for (const pageSize of [1, 2, 7, 500]) {
      const { sink, bytes } = memorySink();
      await writeExportArchive(subject, generatedAt, tables, pagedRows(15, pageSize), sink);
      const files = await unzip(bytes());
      const json = JSON.parse(files.get('subject.json') ?? '') as { tables: Record<string, { rows: ExportRow[] }> };
      for (const { table: name } of tables) {
        expect(json.tables[name].rows.map((row) => row.id)).toEqual(Array.from({ length: 15 }, (_, i) => `row-${i}`));
        const lines = (files.get(`${name}.csv`) ?? '').split('\r\n');
        expect(lines).toEqual(['id,note', ...Array.from({ length: 15 }, (_, i) => `row-${i},"note, ""${i}"""`), '']);
      }
    }
  });

  it('fails with the first error when a page can not be read mid-file, and reads nothing more', async () => {
    let pagesRead = 0;
    const rows = rowSource(function* () {
      for (let page = 0; page < 10; page += 1) {
        if (page === 3) throw new Error('connection lost while reading page 3');
        pagesRead += 1;
        yield [{ id: `row-${page}`, note: 'x'.repeat(200) }];
      }
    });
    const { sink } = memorySink();
    await expect(writeExportArchive(subject, generatedAt, [table('communication'), table('order')], rows, sink)).rejects.toThrow(
      'connection lost while reading page 3',
    );
    const readAtFailure = pagesRead;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pagesRead).toBe(readAtFailure);
  });

  it('stops reading pages when a chunk can not be stored', async () => {
    let pagesRead = 0;
    const rows = rowSource(function* () {
      for (let page = 0; page < 1000; page += 1) {
        pagesRead += 1;
        // Random text: it does not compress, so the compressor's output soon fills the small chunks.
        yield [{ id: `row-${page}`, note: randomBytes(300).toString('base64') }];
      }
    });
    let stored = 0;
    const sink = chunkSink(256, () => {
      stored += 1;
      return stored === 3 ? Promise.reject(new Error('disk full')) : Promise.resolve();
    });
    await expect(writeExportArchive(subject, generatedAt, [table('communication')], rows, sink)).rejects.toThrow('disk full');
    const readAtFailure = pagesRead;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pagesRead).toBe(readAtFailure);
    expect(pagesRead).toBeLessThan(1000);
  });

  it('cuts the stream into chunks of exactly the given size, the last one shorter', async () => {
    const chunks: Buffer[] = [];
    const sink = chunkSink(10, keepIn(chunks));
    const input = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789');
    for (const size of [3, 15, 1, 17]) {
      await new Promise<void>((resolve, reject) =>
        sink.write(input.subarray(0, size), (error) => {
          if (error) reject(error);
          else resolve();
        }),
      );
    }
    await new Promise<void>((resolve) => sink.end(resolve));
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 10, 6]);
    expect(Buffer.concat(chunks).toString()).toBe(['abc', 'abcdefghijklmno', 'a', 'abcdefghijklmnopq'].join(''));
  });

  it('keeps spreadsheets from running a cell as a formula, and leaves numbers alone', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","click")')).toBe(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csvCell('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(csvCell('+44 20 7946 0000')).toBe(`'+44 20 7946 0000`);
    expect(csvCell('\tcmd')).toBe(`'\tcmd`);
    expect(csvCell('-450')).toBe('-450');
    expect(csvCell('12.5')).toBe('12.5');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell('plain, "quoted"')).toBe(`"plain, ""quoted"""`);
    expect(csvCell(null)).toBe('');
  });
});
