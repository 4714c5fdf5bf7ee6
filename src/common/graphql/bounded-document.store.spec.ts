import { parse, type DocumentNode } from 'graphql';
import { loadAppConfig } from '../../config/app-config';
import { BoundedDocumentStore, parsedDocumentStore, persistedQueryStore } from './bounded-document.store';
import { buildGraphQLOptions } from './graphql.options';

// Documents that differ only in an inlined value, as a client that writes values into its documents sends them.
const distinct = (i: number) =>
  `query Sync { orders(first: ${1 + (i % 50)}, filter: { updatedAfter: "2026-11-25T06:00:00.${String(i).padStart(3, '0')}Z" }) {
    edges { cursor node { id number status updatedAt client { id name } lines { id sku quantity unitPrice } } } } }`;

describe("Apollo's document stores, bounded by estimated heap", () => {
  it('keeps parsed documents under the bound, the most recently used ones', async () => {
    const store = parsedDocumentStore(256 * 1024);
    const documents: DocumentNode[] = [];
    for (let i = 0; i < 500; i++) {
      documents.push(parse(distinct(i)));
      await store.set(`hash-${i}`, documents[i]);
      // Apollo reads the newest documents again and again: they stay.
      expect(await store.get(`hash-${i}`)).toBe(documents[i]);
      expect(store.bytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(store.size).toBeGreaterThan(5);
    expect(store.size).toBeLessThan(100);
    expect(await store.get('hash-0')).toBeUndefined();
    expect(await store.get('hash-499')).toBe(documents[499]);
  });

  it('does not keep an entry larger than the whole bound', async () => {
    const store = persistedQueryStore(1024);
    await store.set('big', 'x'.repeat(600));
    expect(await store.get('big')).toBeUndefined();
    await store.set('small', 'x'.repeat(100), { ttl: 300 });
    expect(await store.get('small')).toBe('x'.repeat(100));
    expect(store.bytes).toBe(200);
  });

  it("replaces Apollo's 30 MiB stores with the configured bounds", () => {
    const options = buildGraphQLOptions(loadAppConfig({ GRAPHQL_DOCUMENT_CACHE_MB: '5' }), { schemaFile: true });
    expect(options.documentStore).toBeInstanceOf(BoundedDocumentStore);
    expect((options.documentStore as BoundedDocumentStore<DocumentNode>).maxBytes).toBe(5 * 1024 * 1024);
    expect(options.cache).toBeInstanceOf(BoundedDocumentStore);
  });
});
