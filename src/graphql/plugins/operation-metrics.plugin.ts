import type { ApolloServerPlugin } from '@apollo/server';
import type { ParleyMetrics } from '../../observability/metrics.registry';
import type { GraphQLContext } from '../context';

/**
 * Each HTTP operation's duration into parley_graphql_operation_duration_seconds (WebSocket
 * operations are observed in http/websocket.ts). A request refused before it had an operation (a
 * parse or validation failure) is not an operation: it shows in the log, not here.
 */
export function operationMetricsPlugin(metrics: ParleyMetrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, contextValue }) {
          if (!operation) return;
          metrics.observeOperation(
            operation.operation,
            operation.name?.value,
            (performance.now() - started) / 1000,
            contextValue.principal.role !== 'ANONYMOUS',
          );
        },
      };
    },
  };
}
