import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import type { Principal } from '../domain/auth/principal';
import { createContext } from '../graphql/context';
import type { ErrorFormatter } from '../graphql/format-error';
import { serializedOnce } from '../graphql/frame-cache';
import { sharedSubscribe } from '../graphql/shared-subscribe';
import type { Logger } from '../observability/logger';
import type { Services } from '../services/services.factory';
import { serveGraphQLWs } from './ws-transport';

/** graphql-ws close codes beyond the protocol's own: the token was missing or wrong. */
export const CLOSE_UNAUTHORIZED = 4401;

// A type alias, not an interface: graphql-ws wants a Record-compatible extra.
type ConnectionExtra = { principal: Principal };

export interface GraphQLWebSocket {
  dispose(): Promise<void>;
}

/**
 * graphql-ws on the HTTP server's port at /graphql. A connection authenticates once, in
 * connection_init (connectionParams.authorization = "Bearer <token>"); a missing or bad token closes
 * the socket with 4401 before any operation runs.
 */
export function attachGraphQLWebSocket(options: {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  formatError: ErrorFormatter;
  logger: Logger;
}): GraphQLWebSocket {
  const { httpServer, schema, services, formatError, logger } = options;
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });

  const server = serveGraphQLWs<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      subscribe: sharedSubscribe,
      context: (ctx) =>
        createContext(services, ctx.extra.principal ?? { role: 'ANONYMOUS' }, { longLived: true }),
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        let principal: Principal;
        try {
          principal = await services.auth.authenticate(
            typeof authorization === 'string' ? authorization : undefined,
          );
        } catch {
          principal = { role: 'ANONYMOUS' };
        }
        if (principal.role === 'ANONYMOUS') {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
          return false;
        }
        ctx.extra.principal = principal;
        return true;
      },
      // Results without errors are shared by every identical subscription: serialised once.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) }
          : serializedOnce(result),
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
    },
    wss,
    logger,
  );

  return {
    dispose: () => server.dispose(),
  };
}
