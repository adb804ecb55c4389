import type { Server } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WebSocketLimits } from '../config/limits';
import type { Principal } from '../domain/auth/principal';
import { createContext } from '../graphql/context';
import type { ErrorFormatter } from '../graphql/format-error';
import { AuthThrottledError } from '../services/failed-auth.throttle';
import { clientKey } from './client-address';
import { REQUEST_ID_HEADER, requestId } from './request-id';
import { serializedOnce } from './shared-payload';
import type { QueryLimiter } from '../graphql/query-limits';
import type { MutationRateLimiter } from '../graphql/rate-limits';
import { sharedSubscribe } from '../graphql/shared-subscribe';
import type { DatabaseAvailability } from '../db/availability';
import type { Logger } from '../observability/logger';
import type { OperationType, ParleyMetrics } from '../observability/metrics.registry';
import type { Services } from '../services/services.factory';
import { serveGraphQLWs } from './ws-transport';

/** graphql-ws close codes beyond the protocol's own: the token was missing, wrong or revoked. */
export const CLOSE_UNAUTHORIZED = 4401;
/** A wrong token from an address past its budget of failed authentications (HTTP's 429). */
export const CLOSE_TOO_MANY_FAILED_AUTHENTICATIONS = 4429;
/** RFC 6455's "Try Again Later": the database is away; the client should reconnect with backoff. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

export const TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS';

/**
 * A revocation reaches every process through the event bus at once; this sweep closes what a lost
 * notification (a listener reconnecting) would leave open.
 */
const REVALIDATE_EVERY_MS = 30_000;

// A type alias, not an interface: graphql-ws wants a Record-compatible extra.
type ConnectionExtra = { principal: Principal };

export interface GraphQLWebSocket {
  dispose(): Promise<void>;
  /** Open sockets, authenticated or not yet. */
  connections(): number;
  /** Subscriptions running on them. */
  subscriptions(): number;
}

/**
 * graphql-ws on the HTTP server's port at /graphql. A connection authenticates once, in
 * connection_init (connectionParams.authorization = "Bearer <token>"); a missing or bad token closes
 * the socket with 4401 before any operation runs, or with 4429 once its address is past its budget
 * of failed authentications.
 */
export function attachGraphQLWebSocket(options: {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  formatError: ErrorFormatter;
  logger: Logger;
  limits: WebSocketLimits;
  limiter: QueryLimiter;
  rateLimiter: MutationRateLimiter;
  /** Whether the client address is X-Forwarded-For's last entry (see http/client-address.ts). */
  trustProxy: boolean;
  /** While the database is away a new socket is told to come back later, not that its token is wrong. */
  availability: Pick<DatabaseAvailability, 'available' | 'report'>;
  metrics?: Pick<ParleyMetrics, 'observeOperation'>;
}): GraphQLWebSocket {
  const {
    httpServer,
    schema,
    services,
    formatError,
    logger,
    limits,
    limiter,
    rateLimiter,
    trustProxy,
    availability,
    metrics,
  } = options;
  // A frame over maxPayload closes its socket with 1009 (message too big) before it is buffered whole.
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: limits.maxMessageBytes,
  });
  // The connection's id (http/request-id.ts) goes back on the 101 answer and on its log lines.
  wss.on('headers', (headers, request) => headers.push(`${REQUEST_ID_HEADER}: ${requestId(request)}`));
  // When each operation started, keyed by the arguments onSubscribe hands graphql-ws, which hands
  // the same object to onOperation.
  const started = new WeakMap<ExecutionArgs, { at: number; type: OperationType; name?: string }>();
  // Running subscriptions by socket: a socket's entry goes with the socket, so the count cannot
  // drift whichever way a subscription ends.
  const subscriptionsBySocket = new Map<WebSocket, Set<string>>();

  // Sockets by the token they signed in with, to close them when it is revoked.
  const socketsByToken = new Map<string, Set<WebSocket>>();
  // A socket whose token check read the token just before its revocation committed registers
  // after the announcement went by: revocations are remembered long enough to catch it.
  const recentlyRevoked = new Set<string>();
  const closeRevoked = (tokenIds: readonly string[]) => {
    for (const id of tokenIds) {
      for (const socket of socketsByToken.get(id) ?? []) socket.close(CLOSE_UNAUTHORIZED, 'Token revoked');
      socketsByToken.delete(id);
      recentlyRevoked.add(id);
      setTimeout(() => recentlyRevoked.delete(id), REVALIDATE_EVERY_MS).unref();
    }
  };
  const stopListening = services.events.onTokensRevoked(closeRevoked);
  const revalidate = setInterval(() => {
    if (socketsByToken.size === 0) return;
    services.auth
      .revokedAmong([...socketsByToken.keys()])
      .then(closeRevoked, (err: unknown) =>
        logger.error({ err }, 'could not re-check the tokens of open sockets'),
      );
  }, REVALIDATE_EVERY_MS);
  revalidate.unref();
  // Full validation of a document the limiter accepted, once per distinct query text.
  const validated = new WeakMap<DocumentNode, readonly GraphQLError[]>();

  const server = serveGraphQLWs<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      connectionInitWaitTimeout: limits.initTimeoutMs,
      subscribe: sharedSubscribe,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        if (!availability.available()) {
          ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, 'The database is unavailable; retry shortly');
          return false;
        }
        let principal: Principal;
        try {
          principal = await services.auth.authenticate(
            typeof authorization === 'string' ? authorization : undefined,
            clientKey(ctx.extra.request, trustProxy),
          );
        } catch (err) {
          if (err instanceof AuthThrottledError) {
            ctx.extra.socket.close(
              CLOSE_TOO_MANY_FAILED_AUTHENTICATIONS,
              `Too many failed authentications; retry in ${err.retryAfterSeconds} s`,
            );
            return false;
          }
          if (availability.report(err)) {
            ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, 'The database is unavailable; retry shortly');
            return false;
          }
          principal = { role: 'ANONYMOUS' };
        }
        if (principal.role === 'ANONYMOUS') {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
          return false;
        }
        ctx.extra.principal = principal;
        if (principal.role === 'AGENT' || principal.role === 'INTEGRATION') {
          const socket = ctx.extra.socket;
          if (recentlyRevoked.has(principal.tokenId)) {
            socket.close(CLOSE_UNAUTHORIZED, 'Token revoked');
            return false;
          }
          let sockets = socketsByToken.get(principal.tokenId);
          if (!sockets) socketsByToken.set(principal.tokenId, (sockets = new Set()));
          sockets.add(socket);
          socket.once('close', () => {
            sockets.delete(socket);
            if (sockets.size === 0 && socketsByToken.get(principal.tokenId) === sockets) {
              socketsByToken.delete(principal.tokenId);
            }
          });
        }
        // docs/domain.md "Presence". The close is listened for before the count is written, so a
        // socket that closes meanwhile is still taken off (one closed during authentication has had
        // its 'close' already, and never counts); the acknowledgement waits for the write, so a
        // client told it is connected is counted as connected on every process.
        if (principal.role === 'AGENT' && ctx.extra.socket.readyState !== ctx.extra.socket.CLOSED) {
          const { agentId } = principal;
          ctx.extra.socket.once('close', () => void services.agentConnections.closed(agentId));
          await services.agentConnections.opened(agentId);
        }
        return true;
      },
      // The same limits as HTTP, then graphql-ws's own parse and validation, done here once per query text.
      onSubscribe: (ctx, _id, payload) => {
        // graphql-ws has registered this operation already: it counts itself.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptions) {
          return [
            new GraphQLError(
              `At most ${limits.maxSubscriptions} operations at once per connection: complete one, or open another connection.`,
              { extensions: { code: TOO_MANY_SUBSCRIPTIONS, max: limits.maxSubscriptions } },
            ),
          ];
        }
        const refusals = limiter.check(payload.query, payload.variables, payload.operationName);
        if (refusals.length > 0) return refusals;
        let document = limiter.document(payload.query);
        if (!document) {
          try {
            document = parse(payload.query);
          } catch (err) {
            return [
              coded(
                err instanceof GraphQLError ? err : new GraphQLError(String(err)),
                'GRAPHQL_PARSE_FAILED',
              ),
            ];
          }
        }
        let errors = validated.get(document);
        if (!errors) validated.set(document, (errors = validate(schema, document)));
        // Coded as Apollo codes them over HTTP: the client's mistake, not the server's.
        if (errors.length > 0) return errors.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        const principal = ctx.extra.principal ?? { role: 'ANONYMOUS' };
        if (operation) {
          const refusal = rateLimiter.check(principal, document, operation);
          if (refusal) return [refusal];
        }
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: createContext(services, principal, {
            longLived: true,
            requestId: requestId(ctx.extra.request),
          }),
        };
        if (operation) {
          started.set(args, {
            at: performance.now(),
            type: operation.operation,
            name: operation.name?.value,
          });
        }
        return args;
      },
      // A query or mutation has its result here; a subscription has been set up (its lifetime is
      // not a duration of work, so the histogram takes its start).
      onOperation: (ctx, id, _payload, args, result) => {
        const operation = started.get(args);
        if (!operation) return;
        metrics?.observeOperation(
          operation.type,
          operation.name,
          (performance.now() - operation.at) / 1000,
          true,
        );
        // A subscription refused by its resolver has a result, not a stream: nothing runs.
        if (operation.type !== 'subscription' || !(Symbol.asyncIterator in result)) return;
        const socket = ctx.extra.socket;
        // Closed while the subscription was set up: its 'close' has gone by, and graphql-ws ends it.
        if (socket.readyState === socket.CLOSED) return;
        let ids = subscriptionsBySocket.get(socket);
        if (!ids) {
          subscriptionsBySocket.set(socket, (ids = new Set()));
          socket.once('close', () => subscriptionsBySocket.delete(socket));
        }
        ids.add(id);
      },
      onComplete: (ctx, id) => {
        subscriptionsBySocket.get(ctx.extra.socket)?.delete(id);
      },
      // Results without errors are shared by every identical subscription: serialised once.
      onNext: (ctx, _id, _payload, _args, result) =>
        result.errors
          ? {
              ...result,
              errors: result.errors.map((e) => formatError(e.toJSON(), e, requestId(ctx.extra.request))),
            }
          : serializedOnce(result),
      onError: (ctx, _id, _payload, errors) =>
        errors.map((e) => formatError(e.toJSON(), e, requestId(ctx.extra.request))),
    },
    wss,
    logger,
  );

  return {
    dispose: async () => {
      clearInterval(revalidate);
      stopListening();
      await server.dispose();
    },
    connections: () => wss.clients.size,
    subscriptions: () => {
      let count = 0;
      for (const ids of subscriptionsBySocket.values()) count += ids.size;
      return count;
    },
  };
}

function coded(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}
