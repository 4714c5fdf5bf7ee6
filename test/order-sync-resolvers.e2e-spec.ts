/** The change feed's guarantees (order-sync.e2e-spec.ts) once more with the compiled read path off: the resolvers. */
import './support/resolvers-only';
import './order-sync.e2e-spec';
