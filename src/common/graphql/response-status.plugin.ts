import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import { ErrorCode } from '../errors/app-errors.js';

/**
 * A request refused for its size or shape is a client error: answer 400, not 200 or 500. One that could not reach the
 * database answers 503, which clients and load balancers know to retry.
 */
export const responseStatusPlugin: ApolloServerPlugin = {
  requestDidStart() {
    return Promise.resolve({
      willSendResponse({ response }) {
        setStatus(response);
        return Promise.resolve();
      },
    });
  },
};

function setStatus(response: GraphQLResponse): void {
  if (response.body.kind !== 'single') return;
  const { errors, data } = response.body.singleResult;
  if (errors?.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) {
    response.http.status = 503;
    return;
  }
  if (!data && errors?.some((e) => e.extensions?.code === ErrorCode.QUERY_TOO_COMPLEX)) {
    response.http.status = 400;
  }
}
