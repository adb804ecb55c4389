import type { ApolloServerPlugin } from '@apollo/server';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../../observability/logger';
import type { GraphQLError } from 'graphql';

/** One log line per GraphQL operation: its name, how long it took, and how it ended. */
export function operationLogPlugin(logger: Logger): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors }) {
          const codes = errors?.map(errorCode);
          logger.info(
            {
              operation: operationName ?? null,
              type: operation?.operation ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              outcome: codes && codes.length > 0 ? 'error' : 'ok',
              ...(codes && codes.length > 0 ? { errorCodes: [...new Set(codes)] } : {}),
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
