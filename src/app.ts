import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { GraphQLError } from 'graphql';
import {
  defaultWebhookConfig,
  type AgendaBackend as AgendaBackendKind,
  type AttachmentConfig,
  type NodeEnv,
  type WebhookConfig,
} from './config/config';
import { defaultLimits, type Limits } from './config/limits';
import { type Clock, systemClock } from './domain/clock';
import { DomainError } from './domain/errors';
import { migrate } from './db/migrate';
import { createAgendaConnection } from './jobs/agenda-backend';
import { AgendaScheduler, type SchedulerOptions } from './jobs/agenda.scheduler';
import { createPostgresEventBus } from './events/postgres-event.bus';
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseTimeouts, ormConfig, timeoutOptions } from './db/orm.config';
import { DatabaseAvailability } from './db/availability';
import { createContext, type GraphQLContext } from './graphql/context';
import { createErrorFormatter, SERVICE_UNAVAILABLE } from './graphql/format-error';
import { operationLogPlugin } from './graphql/plugins/operation-log.plugin';
import { operationMetricsPlugin } from './graphql/plugins/operation-metrics.plugin';
import { getSchema } from './graphql/schema';
import { QueryLimiter } from './graphql/query-limits';
import { MutationRateLimiter, rateLimited } from './graphql/rate-limits';
import { rateLimitPlugin } from './graphql/plugins/rate-limit.plugin';
import { serviceUnavailablePlugin } from './graphql/plugins/service-unavailable.plugin';
import { clientKey } from './http/client-address';
import { cors } from './http/cors';
import { graphqlHttpHandler } from './http/graphql-http';
import { securityHeaders } from './http/security-headers';
import { applyServerLimits, serverOptions } from './http/server-limits';
import { healthRoutes } from './http/health.routes';
import { metricsRoutes } from './http/metrics.routes';
import { REQUEST_ID_HEADER, requestId } from './http/request-id';
import { fileHandler, FILES_PATH_PREFIX, uploadHandler, UPLOADS_PATH } from './http/uploads.routes';
import { attachGraphQLWebSocket } from './http/websocket';
import type { Logger } from './observability/logger';
import { ParleyMetrics } from './observability/metrics.registry';
import { loadLinkSecret } from './services/attachments/attachment.service';
import { LocalAttachmentStorage } from './services/attachments/local-attachment.storage';
import { AuthThrottledError } from './services/failed-auth.throttle';
import { createServices, type Services } from './services/services.factory';

export interface AppConfig {
  databaseUrl: string;
  adminToken: string;
  /** Reads GET /metrics besides the admin token (PARLEY_METRICS_TOKEN). */
  metricsToken?: string;
  nodeEnv: NodeEnv;
  introspection: boolean;
  logger: Logger;
  clock?: Clock;
  /** Where scheduled jobs live; the same PostgreSQL by default. */
  agenda?: { kind: AgendaBackendKind; mongodbUrl?: string };
  /** Agenda's polling interval and the sweep's period (defaults: 1 s and 60 s). */
  scheduler?: Partial<SchedulerOptions>;
  /** Query, body, CORS, WebSocket and rate limits; each part given replaces its default. */
  limits?: Partial<Limits>;
  /** Deadlines on the serving database pool; each given replaces its default. */
  databaseTimeouts?: Partial<DatabaseTimeouts>;
  /** Outbound webhooks (PARLEY_WEBHOOK_*); each given replaces its default (private targets blocked in production). */
  webhooks?: Partial<WebhookConfig>;
  /**
   * Uploads' folder and links (PARLEY_UPLOAD_DIR, PARLEY_ATTACHMENT_LINK_TTL_SECONDS,
   * PARLEY_PUBLIC_URL, PARLEY_LINK_SECRET); each given replaces its default. main.ts passes
   * `<dataDir>/uploads`; without a folder, a `parley-uploads` folder in the system's temp dir.
   */
  attachments?: Partial<AttachmentConfig>;
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
  const webhooks: WebhookConfig = { ...defaultWebhookConfig(production), ...config.webhooks };

  // Migrations run on a pool of their own, without the serving pool's deadlines: a migration may
  // rightly take longer than any request.
  const migrationOrm = await MikroORM.init(
    ormConfig(config.databaseUrl, { logger: (message) => logger.debug(message) }),
  );
  try {
    await migrate(migrationOrm, config.databaseUrl);
  } finally {
    await migrationOrm.close();
  }
  const timeouts = { ...DEFAULT_DATABASE_TIMEOUTS, ...config.databaseTimeouts };
  const orm = await MikroORM.init(
    ormConfig(config.databaseUrl, {
      logger: (message) => logger.debug(message),
      ...timeoutOptions(timeouts),
    }),
  );
  const availability = new DatabaseAvailability(config.databaseUrl, logger);
  const attachments = config.attachments ?? {};
  const linkSecret = attachments.linkSecret ?? (await loadLinkSecret(orm.em, clock.now()));
  const metrics = new ParleyMetrics(clock, logger);

  const scheduler = new AgendaScheduler(
    createAgendaConnection(
      {
        kind: config.agenda?.kind ?? 'postgres',
        databaseUrl: config.databaseUrl,
        mongodbUrl: config.agenda?.mongodbUrl,
      },
      logger,
    ),
    { processEveryMs: 1_000, sweepEveryMs: 60_000, ...config.scheduler },
    logger,
    clock,
    metrics,
  );
  const events = createPostgresEventBus({ databaseUrl: config.databaseUrl, em: orm.em, logger });
  const services = createServices({
    scheduler,
    em: orm.em,
    clock,
    adminToken: config.adminToken,
    events,
    logger,
    auth: limits.auth,
    metrics,
    subscriberBuffer: limits.webSocket.subscriberBuffer,
    webhooks,
    typingLapseMs: limits.typingLapseMs,
    presenceTiming: limits.presence,
    attachments: {
      storage: new LocalAttachmentStorage(attachments.dir ?? join(tmpdir(), 'parley-uploads')),
      settings: {
        attachWindowSeconds: limits.uploads.attachWindowSeconds,
        linkTtlSeconds: attachments.linkTtlSeconds ?? 3_600,
        publicUrl: attachments.publicUrl,
        linkSecret,
      },
    },
  });
  const schema = await getSchema();
  const formatError = createErrorFormatter({ logger, production, availability });
  const limiter = new QueryLimiter(schema, limits.query);
  const rateLimiter = new MutationRateLimiter(limits.rateLimits, clock);
  const applyCors = cors(limits.corsOrigins);
  const applySecurityHeaders = securityHeaders(production);

  const expressApp = express();
  expressApp.disable('x-powered-by');
  // Apollo needs the HTTP server (to drain it) before its handler can exist; set once Apollo starts.
  type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;
  const routes: { graphql?: Route; uploads?: Route; files?: Route } = {};
  const httpServer = http.createServer(serverOptions(limits.http), (req, res) => {
    applySecurityHeaders(res);
    res.setHeader(REQUEST_ID_HEADER, requestId(req));
    if (applyCors(req, res)) return;
    const path = (req.url ?? '/').split('?', 1)[0];
    if (routes.graphql && (path === '/graphql' || path === '/graphql/')) routes.graphql(req, res);
    else if (routes.uploads && path === UPLOADS_PATH) routes.uploads(req, res);
    else if (routes.files && path?.startsWith(FILES_PATH_PREFIX)) routes.files(req, res);
    else expressApp(req, res);
  });
  applyServerLimits(httpServer, limits.http);
  const webSocket = attachGraphQLWebSocket({
    httpServer,
    schema,
    services,
    formatError,
    logger,
    limits: limits.webSocket,
    limiter,
    rateLimiter,
    trustProxy: limits.auth.trustProxy,
    availability,
    metrics,
  });
  metrics.watch({
    webSocket: () => ({ connections: webSocket.connections(), subscriptions: webSocket.subscriptions() }),
    queue: () => services.routing.queueStats(),
    undeliveredSince: () => events.undeliveredSince(),
    webhookBacklog: () => services.webhookDelivery.pendingCount(),
    databaseAvailable: () => availability.available(),
  });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.introspection,
    // A request carrying one of these headers cannot come from a plain form or <img>: a browser
    // sends it cross-origin only after a preflight. Authorization is among them, so the GET that
    // urql and Apollo Client send by default passes (SECURITY.md, cross-site requests).
    csrfPrevention: {
      // Apollo's own two (not exported by @apollo/server) and ours.
      requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'],
    },
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
      operationMetricsPlugin(metrics),
      rateLimitPlugin(rateLimiter),
      serviceUnavailablePlugin(() => availability.retryAfterSeconds()),
    ],
  });
  await apollo.start();
  try {
    await events.start();
    await services.agentConnections.start();
    await scheduler.start(services);
    // After the bus: the dispatcher reads the log up to what this process's tail has read.
    services.webhookDelivery.start();
  } catch (err) {
    await services.webhookDelivery.stop();
    await services.agentConnections.stop();
    await apollo.stop();
    await events.stop();
    await orm.close();
    throw err;
  }

  expressApp.use(healthRoutes({ orm, availability, events }));
  expressApp.use(
    metricsRoutes(metrics, { adminToken: config.adminToken, metricsToken: config.metricsToken }),
  );
  routes.graphql = graphqlHttpHandler(apollo, {
    bodyLimitBytes: limits.bodyLimitBytes,
    limiter,
    formatError: (error) => formatError(error.toJSON(), error),
    context: async (req) =>
      createContext(
        services,
        await authenticateRequest(services, availability, req, limits.auth.trustProxy),
        { requestId: requestId(req) },
      ),
  });

  const unavailable = (err: unknown) =>
    availability.report(err) ? serviceUnavailable(availability, 'The database could not answer') : null;
  // Outside GraphQL, streamed (ARCHITECTURE.md "Attachments"): a file is never held in memory whole.
  routes.uploads = uploadHandler({
    attachments: services.attachments,
    maxBytes: limits.uploads.maxBytes,
    authenticate: (req) => authenticateRequest(services, availability, req, limits.auth.trustProxy),
    rateLimit: (principal) => rateLimiter.checkRequest(principal),
    unavailable,
    logger,
  });
  routes.files = fileHandler({ attachments: services.attachments, unavailable, logger });

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
        services.typing.stop();
        // Its sockets are closed by now: their disconnects are recorded (and AWAY checks scheduled).
        await services.agentConnections.stop();
        // Before the bus and the pool: requests in flight finish and are recorded, or are released.
        await services.webhookDelivery.stop();
        await scheduler.stop();
        await events.stop();
        availability.stop();
        if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await orm.close();
      })();
      return stopping;
    },
  };
}

/**
 * A wrong token refuses the whole request with 401, before any resolver runs; past its address's
 * budget of failures, with 429 and no lookup (services/failed-auth.throttle.ts). While the database
 * is away the request is refused at once with 503, rather than waiting on a pool that cannot
 * connect.
 */
async function authenticateRequest(
  services: Services,
  availability: DatabaseAvailability,
  req: http.IncomingMessage,
  trustProxy: boolean,
) {
  if (!availability.available()) throw serviceUnavailable(availability, 'The database is unavailable');
  try {
    return await services.auth.authenticate(req.headers.authorization, clientKey(req, trustProxy));
  } catch (err) {
    if (err instanceof AuthThrottledError) throw rateLimited(err.message, err.retryAfterSeconds);
    if (err instanceof DomainError) {
      throw new GraphQLError(err.message, { extensions: { code: err.code, http: { status: 401 } } });
    }
    if (availability.report(err)) throw serviceUnavailable(availability, 'The database could not answer');
    throw err;
  }
}

function serviceUnavailable(availability: DatabaseAvailability, reason: string): GraphQLError {
  const retryAfterSeconds = availability.retryAfterSeconds();
  return new GraphQLError(`${reason}; retry shortly`, {
    extensions: {
      code: SERVICE_UNAVAILABLE,
      retryAfterSeconds,
      http: { status: 503, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}
