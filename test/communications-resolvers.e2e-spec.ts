/** The communications suite once more with the compiled read path off: the resolvers meet the same assertions. */
import './support/resolvers-only';
import './communications.e2e-spec';
