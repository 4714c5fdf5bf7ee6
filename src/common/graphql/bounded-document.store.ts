import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * Heap a parsed document holds per character of its JSON form (the measure Apollo's own store uses): the partner
 * page's document is 7.9 KB of JSON and 31 KB of heap (AST nodes, locations and the token list), ~3.9 bytes each.
 */
const PARSED_BYTES_PER_JSON_CHAR = 4;

/**
 * One of Apollo Server's key-value caches (documentStore for parsed and validated documents, `cache` for persisted
 * query texts) held in memory and bounded by an estimate of the heap its entries hold, not by their count: Apollo's
 * default store allows 30 MiB of JSON, ~120 MB of heap, which documents that differ only in inlined values fill.
 */
export class BoundedDocumentStore<V extends object | string> {
  private readonly entries: LRUCache<string, V>;

  constructor(
    readonly maxBytes: number,
    bytesOf: (value: V) => number,
  ) {
    this.entries = new LRUCache<string, V>({ maxSize: maxBytes, sizeCalculation: (value) => Math.max(1, Math.ceil(bytesOf(value))) });
  }

  /** Estimated heap held by the entries now; never more than maxBytes. */
  get bytes(): number {
    return this.entries.calculatedSize;
  }

  get size(): number {
    return this.entries.size;
  }

  // Apollo's KeyValueCache interface is asynchronous; this one answers at once.
  get(key: string): Promise<V | undefined> {
    return Promise.resolve(this.entries.get(key));
  }

  /** `ttl` in seconds, as Apollo passes it. An entry larger than the whole bound is not kept. */
  set(key: string, value: V, options?: { ttl?: number | null }): Promise<void> {
    this.entries.set(key, value, options?.ttl ? { ttl: options.ttl * 1000 } : undefined);
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.entries.delete(key));
  }
}

/** Apollo's documentStore: parsed and validated documents, so that a document seen again skips both. */
export const parsedDocumentStore = (maxBytes: number) =>
  new BoundedDocumentStore<DocumentNode>(maxBytes, (document) => PARSED_BYTES_PER_JSON_CHAR * JSON.stringify(document).length);

/** Apollo's `cache`, which holds the texts of automatic persisted queries (two bytes a character at most). */
export const persistedQueryStore = (maxBytes: number) => new BoundedDocumentStore<string>(maxBytes, (text) => 2 * text.length);
