import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { defaultLimits } from './limits';
import { DEFAULT_DATABASE_TIMEOUTS } from '../db/orm.config';

const CWD = '/srv/parley';
const load = (env: Record<string, string>) => loadConfig(env, CWD);
const GOOD_TOKEN = 'x'.repeat(32);

const WEBHOOK_DEFAULTS = {
  timeoutMs: 10_000,
  retryBaseMs: 10_000,
  maxAttempts: 15,
  retentionDays: 30,
  allowedHosts: [],
};

describe('loadConfig', () => {
  it('has defaults for development', () => {
    expect(load({})).toEqual({
      nodeEnv: 'development',
      port: 4000,
      databaseUrl: undefined,
      dataDir: path.join(CWD, '.parley-data'),
      pgPort: 54329,
      adminToken: undefined,
      metricsToken: undefined,
      agendaBackend: 'postgres',
      mongodbUrl: undefined,
      logLevel: 'info',
      introspection: true,
      limits: defaultLimits(false),
      databaseTimeouts: DEFAULT_DATABASE_TIMEOUTS,
      webhooks: { ...WEBHOOK_DEFAULTS, blockPrivateAddresses: false },
      attachments: {
        dir: path.join(CWD, '.parley-data', 'uploads'),
        linkTtlSeconds: 3_600,
        publicUrl: undefined,
        linkSecret: undefined,
      },
    });
  });

  it('reads every variable', () => {
    expect(
      load({
        NODE_ENV: 'production',
        PORT: '8080',
        DATABASE_URL: 'postgres://u:p@db:5432/parley',
        PARLEY_DATA_DIR: '/var/lib/parley',
        PARLEY_PG_PORT: '0',
        ADMIN_TOKEN: GOOD_TOKEN,
        PARLEY_METRICS_TOKEN: 'm'.repeat(32),
        AGENDA_BACKEND: 'mongodb',
        MONGODB_URL: 'mongodb://mongo:27017/parley',
        LOG_LEVEL: 'warn',
        PARLEY_INTROSPECTION: 'true',
      }),
    ).toEqual({
      nodeEnv: 'production',
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/parley',
      dataDir: '/var/lib/parley',
      pgPort: 0,
      adminToken: GOOD_TOKEN,
      metricsToken: 'm'.repeat(32),
      agendaBackend: 'mongodb',
      mongodbUrl: 'mongodb://mongo:27017/parley',
      logLevel: 'warn',
      introspection: true,
      limits: defaultLimits(true),
      databaseTimeouts: DEFAULT_DATABASE_TIMEOUTS,
      webhooks: { ...WEBHOOK_DEFAULTS, blockPrivateAddresses: true },
      attachments: {
        dir: '/var/lib/parley/uploads',
        linkTtlSeconds: 3_600,
        publicUrl: undefined,
        linkSecret: undefined,
      },
    });
  });

  it('reads the upload and attachment settings', () => {
    const config = load({
      PARLEY_UPLOAD_DIR: 'files',
      PARLEY_UPLOAD_MAX_BYTES: '1048576',
      PARLEY_UPLOAD_ATTACH_WINDOW_SECONDS: '600',
      PARLEY_ATTACHMENT_LINK_TTL_SECONDS: '300',
      PARLEY_PUBLIC_URL: 'https://parley.example.com/api/',
      PARLEY_LINK_SECRET: 's'.repeat(32),
    });
    expect(config.attachments).toEqual({
      dir: path.join(CWD, 'files'),
      linkTtlSeconds: 300,
      publicUrl: 'https://parley.example.com/api',
      linkSecret: 's'.repeat(32),
    });
    expect(config.limits.uploads).toEqual({ maxBytes: 1_048_576, attachWindowSeconds: 600 });
    expect(load({}).limits.uploads).toEqual({ maxBytes: 25 * 1024 * 1024, attachWindowSeconds: 3_600 });
  });

  it('reads the webhook settings: private targets blocked by default in production only', () => {
    expect(load({ NODE_ENV: 'production', ADMIN_TOKEN: GOOD_TOKEN }).webhooks.blockPrivateAddresses).toBe(
      true,
    );
    expect(
      load({
        PARLEY_WEBHOOK_TIMEOUT_MS: '2500',
        PARLEY_WEBHOOK_RETRY_BASE_MS: '100',
        PARLEY_WEBHOOK_MAX_ATTEMPTS: '3',
        PARLEY_WEBHOOK_RETENTION_DAYS: '7',
        PARLEY_WEBHOOK_BLOCK_PRIVATE: 'true',
        PARLEY_WEBHOOK_ALLOWED_HOSTS: ' Hooks.Internal , [::1],10.0.0.5,, ',
      }).webhooks,
    ).toEqual({
      timeoutMs: 2_500,
      retryBaseMs: 100,
      maxAttempts: 3,
      retentionDays: 7,
      blockPrivateAddresses: true,
      allowedHosts: ['hooks.internal', '::1', '10.0.0.5'],
    });
    expect(() => load({ PARLEY_WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow('PARLEY_WEBHOOK_MAX_ATTEMPTS');
    expect(() => load({ PARLEY_WEBHOOK_TIMEOUT_MS: 'soon' })).toThrow('PARLEY_WEBHOOK_TIMEOUT_MS');
    expect(() => load({ PARLEY_WEBHOOK_BLOCK_PRIVATE: 'yes' })).toThrow('PARLEY_WEBHOOK_BLOCK_PRIVATE');
  });

  it('reads the database deadlines, with defaults no normal request reaches', () => {
    expect(load({}).databaseTimeouts).toEqual({
      statementTimeoutMs: 30_000,
      lockTimeoutMs: 10_000,
      acquireTimeoutMs: 5_000,
      connectTimeoutMs: 5_000,
    });
    expect(
      load({
        PARLEY_DB_STATEMENT_TIMEOUT_MS: '60000',
        PARLEY_DB_LOCK_TIMEOUT_MS: '2000',
        PARLEY_DB_ACQUIRE_TIMEOUT_MS: '1500',
        PARLEY_DB_CONNECT_TIMEOUT_MS: '3000',
      }).databaseTimeouts,
    ).toEqual({
      statementTimeoutMs: 60_000,
      lockTimeoutMs: 2_000,
      acquireTimeoutMs: 1_500,
      connectTimeoutMs: 3_000,
    });
    expect(() => load({ PARLEY_DB_STATEMENT_TIMEOUT_MS: '0' })).toThrow('PARLEY_DB_STATEMENT_TIMEOUT_MS');
    expect(() => load({ PARLEY_DB_LOCK_TIMEOUT_MS: 'soon' })).toThrow('PARLEY_DB_LOCK_TIMEOUT_MS');
  });

  it('reads every limit', () => {
    expect(
      load({
        PARLEY_MAX_QUERY_DEPTH: '8',
        PARLEY_MAX_QUERY_ALIASES: '0',
        PARLEY_MAX_QUERY_DIRECTIVES: '5',
        PARLEY_MAX_QUERY_TOKENS: '500',
        PARLEY_MAX_QUERY_COST: '2000',
        PARLEY_MAX_QUERY_LENGTH: '4096',
        PARLEY_BODY_LIMIT_BYTES: '65536',
        PARLEY_CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
        PARLEY_WS_INIT_TIMEOUT_MS: '1000',
        PARLEY_WS_MAX_MESSAGE_BYTES: '8192',
        PARLEY_WS_MAX_SUBSCRIPTIONS: '10',
        PARLEY_WS_SUBSCRIBER_BUFFER: '250',
        PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND: '250',
        PARLEY_RATE_LIMIT_MUTATIONS_PER_SECOND: '5',
        PARLEY_RATE_LIMIT_MUTATIONS_BURST: '20',
        PARLEY_RATE_LIMIT_TYPING_PER_SECOND: '2',
        PARLEY_TYPING_LAPSE_MS: '4000',
        PARLEY_AUTH_FAILURES_PER_SECOND: '2',
        PARLEY_AUTH_FAILURES_BURST: '30',
        PARLEY_AUTH_NEGATIVE_CACHE_MS: '60000',
        PARLEY_TRUST_PROXY: 'true',
        PARLEY_HTTP_HEADERS_TIMEOUT_MS: '5000',
        PARLEY_HTTP_REQUEST_TIMEOUT_MS: '20000',
        PARLEY_HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000',
        PARLEY_HTTP_MAX_CONNECTIONS: '50000',
        PARLEY_UPLOAD_MAX_BYTES: '1000000',
        PARLEY_UPLOAD_ATTACH_WINDOW_SECONDS: '900',
        PARLEY_PRESENCE_HEARTBEAT_MS: '2000',
        PARLEY_PRESENCE_STALE_AFTER_MS: '5000',
      }).limits,
    ).toEqual({
      query: {
        maxDepth: 8,
        maxAliases: 0,
        maxDirectives: 5,
        maxTokens: 500,
        maxCost: 2000,
        maxQueryLength: 4096,
      },
      bodyLimitBytes: 65536,
      corsOrigins: ['https://app.example.com', 'http://localhost:3000'],
      webSocket: {
        initTimeoutMs: 1000,
        maxMessageBytes: 8192,
        maxSubscriptions: 10,
        subscriberBuffer: 250,
      },
      rateLimits: {
        messages: { perSecond: 250, burst: 2500 },
        mutations: { perSecond: 5, burst: 20 },
        typing: { perSecond: 2, burst: 20 },
      },
      auth: { failures: { perSecond: 2, burst: 30 }, negativeCacheMs: 60000, trustProxy: true },
      http: {
        headersTimeoutMs: 5000,
        requestTimeoutMs: 20000,
        keepAliveTimeoutMs: 65000,
        maxConnections: 50000,
      },
      typingLapseMs: 4_000,
      uploads: { maxBytes: 1_000_000, attachWindowSeconds: 900 },
      presence: { heartbeatMs: 2_000, staleAfterMs: 5_000 },
    });
  });

  it('throttles failed authentications and cuts slow clients by default', () => {
    expect(load({}).limits.auth).toEqual({
      failures: { perSecond: 10, burst: 200 },
      negativeCacheMs: 30_000,
      trustProxy: false,
    });
    expect(load({}).limits.http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 10_000,
    });
  });

  it('lifts the failed-authentication limit at 0, keeps the negative cache off at 0, and scales the burst with the rate', () => {
    expect(load({ PARLEY_AUTH_FAILURES_PER_SECOND: '0' }).limits.auth.failures).toBeNull();
    expect(load({ PARLEY_AUTH_NEGATIVE_CACHE_MS: '0' }).limits.auth.negativeCacheMs).toBe(0);
    expect(load({ PARLEY_AUTH_FAILURES_PER_SECOND: '0.5' }).limits.auth.failures).toEqual({
      perSecond: 0.5,
      burst: 5,
    });
  });

  it('closes CORS in production, opens it in development, and lifts a rate limit at 0', () => {
    expect(load({ NODE_ENV: 'production', ADMIN_TOKEN: GOOD_TOKEN }).limits.corsOrigins).toEqual([]);
    expect(load({}).limits.corsOrigins).toEqual(['*']);
    expect(load({ PARLEY_CORS_ORIGINS: 'none' }).limits.corsOrigins).toEqual([]);
    expect(load({ PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND: '0' }).limits.rateLimits.messages).toBeNull();
    expect(load({ PARLEY_RATE_LIMIT_TYPING_PER_SECOND: '0' }).limits.rateLimits.typing).toBeNull();
    expect(load({}).limits.rateLimits.typing).toEqual({ perSecond: 5, burst: 10 });
    expect(load({}).limits.typingLapseMs).toBe(6_000);
    expect(load({}).limits.presence).toEqual({ heartbeatMs: 10_000, staleAfterMs: 30_000 });
  });

  it('turns introspection off in production unless asked', () => {
    expect(load({ NODE_ENV: 'production', ADMIN_TOKEN: GOOD_TOKEN }).introspection).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ PARLEY_PG_PORT: '65536' }, 'PARLEY_PG_PORT'],
    [{ PARLEY_PG_PORT: 'pg' }, 'PARLEY_PG_PORT'],
    [{ PARLEY_TYPING_LAPSE_MS: '0' }, 'PARLEY_TYPING_LAPSE_MS'],
    [{ PARLEY_PRESENCE_HEARTBEAT_MS: '50' }, 'PARLEY_PRESENCE_HEARTBEAT_MS'],
    [{ PARLEY_PRESENCE_STALE_AFTER_MS: '15000' }, 'PARLEY_PRESENCE_STALE_AFTER_MS'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ NODE_ENV: 'production' }, 'ADMIN_TOKEN'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ PARLEY_METRICS_TOKEN: 'm'.repeat(31) }, 'PARLEY_METRICS_TOKEN'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ AGENDA_BACKEND: 'redis' }, 'AGENDA_BACKEND'],
    [{ AGENDA_BACKEND: 'mongodb' }, 'MONGODB_URL'],
    [{ MONGODB_URL: 'http://mongo' }, 'MONGODB_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PARLEY_INTROSPECTION: 'maybe' }, 'PARLEY_INTROSPECTION'],
    [{ PARLEY_MAX_QUERY_DEPTH: '0' }, 'PARLEY_MAX_QUERY_DEPTH'],
    [{ PARLEY_MAX_QUERY_COST: 'lots' }, 'PARLEY_MAX_QUERY_COST'],
    [{ PARLEY_BODY_LIMIT_BYTES: '1e6' }, 'PARLEY_BODY_LIMIT_BYTES'],
    [{ PARLEY_CORS_ORIGINS: 'https://app.example.com/' }, 'PARLEY_CORS_ORIGINS'],
    [{ PARLEY_CORS_ORIGINS: 'app.example.com' }, 'PARLEY_CORS_ORIGINS'],
    [{ PARLEY_WS_MAX_SUBSCRIPTIONS: '-3' }, 'PARLEY_WS_MAX_SUBSCRIPTIONS'],
    [{ PARLEY_WS_SUBSCRIBER_BUFFER: '0' }, 'PARLEY_WS_SUBSCRIBER_BUFFER'],
    [{ PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND: 'fast' }, 'PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND'],
    [{ PARLEY_RATE_LIMIT_MESSAGES_BURST: '0' }, 'PARLEY_RATE_LIMIT_MESSAGES_BURST'],
    [{ PARLEY_AUTH_FAILURES_PER_SECOND: '-1' }, 'PARLEY_AUTH_FAILURES_PER_SECOND'],
    [{ PARLEY_AUTH_FAILURES_BURST: 'many' }, 'PARLEY_AUTH_FAILURES_BURST'],
    [{ PARLEY_AUTH_NEGATIVE_CACHE_MS: '30s' }, 'PARLEY_AUTH_NEGATIVE_CACHE_MS'],
    [{ PARLEY_TRUST_PROXY: 'yes' }, 'PARLEY_TRUST_PROXY'],
    [{ PARLEY_HTTP_HEADERS_TIMEOUT_MS: '0' }, 'PARLEY_HTTP_HEADERS_TIMEOUT_MS'],
    [{ PARLEY_HTTP_REQUEST_TIMEOUT_MS: 'soon' }, 'PARLEY_HTTP_REQUEST_TIMEOUT_MS'],
    [{ PARLEY_HTTP_KEEP_ALIVE_TIMEOUT_MS: '1.5' }, 'PARLEY_HTTP_KEEP_ALIVE_TIMEOUT_MS'],
    [{ PARLEY_HTTP_MAX_CONNECTIONS: '0' }, 'PARLEY_HTTP_MAX_CONNECTIONS'],
    [{ PARLEY_UPLOAD_MAX_BYTES: '25MB' }, 'PARLEY_UPLOAD_MAX_BYTES'],
    [{ PARLEY_UPLOAD_MAX_BYTES: '2147483648' }, 'PARLEY_UPLOAD_MAX_BYTES'],
    [{ PARLEY_UPLOAD_ATTACH_WINDOW_SECONDS: '0' }, 'PARLEY_UPLOAD_ATTACH_WINDOW_SECONDS'],
    [{ PARLEY_ATTACHMENT_LINK_TTL_SECONDS: '1h' }, 'PARLEY_ATTACHMENT_LINK_TTL_SECONDS'],
    [{ PARLEY_PUBLIC_URL: 'parley.example.com' }, 'PARLEY_PUBLIC_URL'],
    [{ PARLEY_PUBLIC_URL: 'ftp://parley.example.com' }, 'PARLEY_PUBLIC_URL'],
    [{ PARLEY_LINK_SECRET: 'short' }, 'PARLEY_LINK_SECRET'],
    [
      { PARLEY_HTTP_HEADERS_TIMEOUT_MS: '40000', PARLEY_HTTP_REQUEST_TIMEOUT_MS: '30000' },
      'PARLEY_HTTP_HEADERS_TIMEOUT_MS',
    ],
  ])('refuses %p, naming %s', (env, variable) => {
    let error: unknown;
    try {
      load(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(variable);
  });
});
