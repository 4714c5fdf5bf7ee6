/**
 * Makes `key` a getter that starts `compute` when read. Nest's field resolver reads `root[field]` and never calls a
 * function, so a getter is what defers work (a count, a batched lookup) until the field is selected; the promise it
 * returns is a valid field value.
 */
export function defineDeferred<T extends object>(target: T, key: keyof T & string, compute: () => unknown): T {
  Object.defineProperty(target, key, { get: compute, enumerable: true, configurable: true });
  return target;
}

/** Runs `load` at most once, on first use: one batched lookup shared by every row of a page. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= load());
}
