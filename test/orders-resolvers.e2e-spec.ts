/**
 * The orders suite once more with the compiled read path off: the resolvers, which answer every document the read
 * path cannot compile, must meet the same assertions as the read path does in orders.e2e-spec.ts.
 */
import './support/resolvers-only';
import './orders.e2e-spec';
