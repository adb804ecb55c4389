import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { GraphQLError } from 'graphql';
import type { AgendaBackend as AgendaBackendKind, EventTransport, NodeEnv } from './config/config';
import { defaultLimits, type Limits } from './config/limits';
import { type Clock, systemClock } from './domain/clock';
import { DomainError } from './domain/errors';
import { migrate } from './db/migrate';
import { createAgendaBackend } from './jobs/agenda-backend';
import { AgendaScheduler, type SchedulerOptions } from './jobs/agenda.scheduler';
import { createPostgresEventBus } from './events/postgres-event.bus';
import { createInProcessTicketEventBus } from './events/ticket-event.bus';
import { ormConfig } from './db/orm.config';
import { createContext, type GraphQLContext } from './graphql/context';
import { createErrorFormatter } from './graphql/format-error';
import { operationLogPlugin } from './graphql/plugins/operation-log.plugin';
import { getSchema } from './graphql/schema';
import { QueryLimiter } from './graphql/query-limits';
import { MutationRateLimiter } from './graphql/rate-limits';
import { rateLimitPlugin } from './graphql/plugins/rate-limit.plugin';
import { cors } from './http/cors';
import { graphqlHttpHandler } from './http/graphql-http';
import { securityHeaders } from './http/security-headers';
import { healthRoutes } from './http/health.routes';
import { attachGraphQLWebSocket } from './http/websocket';
import type { Logger } from './observability/logger';
import { createServices, type Services } from './services/services.factory';

export interface AppConfig {
  databaseUrl: string;
  adminToken: string;
  nodeEnv: NodeEnv;
  introspection: boolean;
  logger: Logger;
  clock?: Clock;
  /** Where scheduled jobs live; the same PostgreSQL by default. */
  agenda?: { kind: AgendaBackendKind; mongodbUrl?: string };
  /**
   * How ticket events reach subscribers: through PostgreSQL LISTEN/NOTIFY (any process's change
   * reaches every process's subscribers; the default), or in this process only.
   */
  eventTransport?: EventTransport;
  /** Agenda's polling interval and the sweep's period (defaults: 1 s and 60 s). */
  scheduler?: Partial<SchedulerOptions>;
  /** Query, body, CORS, WebSocket and rate limits; each part given replaces its default. */
  limits?: Partial<Limits>;
}

export interface App {
  readonly httpServer: http.Server;
  readonly orm: MikroORM;
  readonly services: Services;
  readonly clock: Clock;
  /** Starts accepting HTTP and WebSocket connections. Port 0 picks a free one. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, drains HTTP and WebSockets, closes the database pool. Idempotent. */
  stop(): Promise<void>;
}

/** Builds the whole server (database, services, GraphQL over HTTP and WebSocket) without listening. */
export async function createApp(config: AppConfig): Promise<App> {
  const { logger } = config;
  const clock = config.clock ?? systemClock;
  const production = config.nodeEnv === 'production';
  const limits: Limits = { ...defaultLimits(production), ...config.limits };

  const orm = await MikroORM.init(
    ormConfig(config.databaseUrl, { logger: (message) => logger.debug(message) }),
  );
  try {
    await migrate(orm, config.databaseUrl);
  } catch (err) {
    await orm.close();
    throw err;
  }

  const scheduler = new AgendaScheduler(
    createAgendaBackend({
      kind: config.agenda?.kind ?? 'postgres',
      databaseUrl: config.databaseUrl,
      mongodbUrl: config.agenda?.mongodbUrl,
    }),
    { processEveryMs: 1_000, sweepEveryMs: 60_000, ...config.scheduler },
    logger,
    clock,
  );
  const events =
    (config.eventTransport ?? 'postgres') === 'postgres'
      ? createPostgresEventBus({ databaseUrl: config.databaseUrl, em: orm.em, logger })
      : null;
  const services = createServices({
    scheduler,
    em: orm.em,
    clock,
    adminToken: config.adminToken,
    events: events ?? createInProcessTicketEventBus(),
    logger,
  });
  const schema = await getSchema();
  const formatError = createErrorFormatter({ logger, production });
  const limiter = new QueryLimiter(schema, limits.query);
  const rateLimiter = new MutationRateLimiter(limits.rateLimits, clock);
  const applyCors = cors(limits.corsOrigins);
  const applySecurityHeaders = securityHeaders(production);

  const expressApp = express();
  expressApp.disable('x-powered-by');
  // Apollo needs the HTTP server (to drain it) before its handler can exist; set once Apollo starts.
  const routes: { graphql?: (req: http.IncomingMessage, res: http.ServerResponse) => void } = {};
  const httpServer = http.createServer((req, res) => {
    applySecurityHeaders(res);
    if (applyCors(req, res)) return;
    const path = (req.url ?? '/').split('?', 1)[0];
    if (routes.graphql && (path === '/graphql' || path === '/graphql/')) routes.graphql(req, res);
    else expressApp(req, res);
  });
  const webSocket = attachGraphQLWebSocket({
    httpServer,
    schema,
    services,
    formatError,
    logger,
    limits: limits.webSocket,
    limiter,
    rateLimiter,
  });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.introspection,
    csrfPrevention: true,
    // Off: a batch multiplies what one request may cost, and a query hash the server has never seen
    // (persisted queries) would skip the limits checked on the query text.
    allowBatchedHttpRequests: false,
    persistedQueries: false,
    // graphql/query-limits.ts refuses long documents first; this is the parser's own stop.
    parseOptions: { maxTokens: limits.query.maxTokens },
    // main.ts owns shutdown order (HTTP, then the ORM, then embedded PostgreSQL).
    stopOnTerminationSignals: false,
    formatError,
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: async () => ({ drainServer: () => webSocket.dispose() }) },
      production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      operationLogPlugin(logger),
      rateLimitPlugin(rateLimiter),
    ],
  });
  await apollo.start();
  try {
    await events?.start();
    await scheduler.start(services);
  } catch (err) {
    await apollo.stop();
    await events?.stop();
    await orm.close();
    throw err;
  }

  expressApp.use(healthRoutes(orm));
  routes.graphql = graphqlHttpHandler(apollo, {
    bodyLimitBytes: limits.bodyLimitBytes,
    limiter,
    formatError: (error) => formatError(error.toJSON(), error),
    context: async (req) =>
      createContext(services, await authenticateRequest(services, req.headers.authorization)),
  });

  let stopping: Promise<void> | undefined;
  return {
    httpServer,
    orm,
    services,
    clock,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve(httpServer.address() as AddressInfo);
        });
      }),
    stop: () => {
      stopping ??= (async () => {
        // apollo.stop() runs the drain plugins: the HTTP server stops accepting and waits for
        // in-flight requests, and the WebSocket server closes its sockets.
        await apollo.stop();
        services.routing.stop();
        await scheduler.stop();
        await events?.stop();
        if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await orm.close();
      })();
      return stopping;
    },
  };
}

/** A wrong token refuses the whole request with 401, before any resolver runs. */
async function authenticateRequest(services: Services, authorization: string | undefined) {
  try {
    return await services.auth.authenticate(authorization);
  } catch (err) {
    if (err instanceof DomainError) {
      throw new GraphQLError(err.message, { extensions: { code: err.code, http: { status: 401 } } });
    }
    throw err;
  }
}
