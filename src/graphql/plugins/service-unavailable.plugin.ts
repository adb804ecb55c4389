import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';
import { SERVICE_UNAVAILABLE } from '../format-error';

/**
 * An operation that failed because the database was away answers 503 with Retry-After over HTTP,
 * so load balancers and clients' retry policies see it for what it is (the errors are already
 * coded SERVICE_UNAVAILABLE by the formatter).
 */
export function serviceUnavailablePlugin(
  retryAfterSeconds: () => number,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          if (!errors.some((e) => e.extensions?.code === SERVICE_UNAVAILABLE)) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(retryAfterSeconds()));
        },
      };
    },
  };
}
