import Module from 'node:module';

/**
 * Jest's globalSetup runs outside Jest's module system, so its moduleNameMapper does not apply there. The source
 * imports `./x.js` (nodenext style) while only `./x.ts` exists before a build; retry without the extension.
 */
type Resolve = (request: string, ...rest: unknown[]) => string;
const moduleWithResolver = Module as unknown as { _resolveFilename: Resolve };
const original = moduleWithResolver._resolveFilename;
moduleWithResolver._resolveFilename = function resolveJsToTs(this: unknown, request: string, ...rest: unknown[]): string {
  try {
    return original.call(this, request, ...rest);
  } catch (error) {
    if (request.startsWith('.') && request.endsWith('.js')) return original.call(this, request.slice(0, -3), ...rest);
    throw error;
  }
};
