import type { ApolloServerPlugin } from '@apollo/server';
import { noteErrorCodes } from '../logging/logger.js';

/**
 * Hands the codes of an operation's errors to its access log line, which sets its level by them: a request answered
 * with NOT_FOUND or BAD_USER_INPUT is a warning, one with INTERNAL_SERVER_ERROR an error, although both are HTTP 200.
 */
export const accessLogPlugin: ApolloServerPlugin<{ res?: object }> = {
  requestDidStart() {
    return Promise.resolve({
      willSendResponse({ response, contextValue }) {
        if (response.body.kind === 'single' && contextValue.res) {
          const codes = (response.body.singleResult.errors ?? []).map((error) =>
            typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR',
          );
          noteErrorCodes(contextValue.res, codes);
        }
        return Promise.resolve();
      },
    });
  },
};
