/** `value`, which the test needs to exist; fails with `what` in the message when it is missing. */
export function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`Expected ${what}, found none.`);
  return value;
}

/**
 * A suite's resource as afterAll sees it: unset when beforeAll failed before creating it, whatever its declared type,
 * so that teardown closes what exists and still reaches the rest.
 */
export function ifCreated<T>(resource: T): T | undefined {
  return resource;
}
