import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';
import type { MutationRateLimiter } from '../rate-limits';

/** Refuses an HTTP mutation over its token's rate once it is parsed and validated, before it runs (429). */
export function rateLimitPlugin(limiter: MutationRateLimiter): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation }) {
          if (!operation) return;
          const refusal = limiter.check(contextValue.principal, document, operation);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
