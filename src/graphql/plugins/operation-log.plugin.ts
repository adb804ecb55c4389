import type { ApolloServerPlugin } from '@apollo/server';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../../observability/logger';
import type { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../context';

/**
 * One log line per GraphQL operation: its name, how long it took, how it ended, and the request's id
 * (X-Request-Id); an unexpected error's errorId too, so a client's report leads to the error's own line.
 */
export function operationLogPlugin(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors, contextValue, response }) {
          const codes = errors?.map(errorCode);
          const errorIds =
            response.body.kind === 'single'
              ? (response.body.singleResult.errors ?? []).flatMap((e) =>
                  typeof e.extensions?.errorId === 'string' ? [e.extensions.errorId] : [],
                )
              : [];
          logger.info(
            {
              requestId: contextValue.requestId,
              operation: operationName ?? null,
              type: operation?.operation ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              outcome: codes && codes.length > 0 ? 'error' : 'ok',
              ...(codes && codes.length > 0 ? { errorCodes: [...new Set(codes)] } : {}),
              ...(errorIds.length > 0 ? { errorIds } : {}),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}

/** The code the client sees (format-error.ts decides it the same way). */
function errorCode(error: GraphQLError): string {
  if (error.originalError instanceof DomainError) return error.originalError.code;
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}
