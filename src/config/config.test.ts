import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { defaultLimits } from './limits';

const CWD = '/srv/parley';
const load = (env: Record<string, string>) => loadConfig(env, CWD);
const GOOD_TOKEN = 'x'.repeat(32);

describe('loadConfig', () => {
  it('has defaults for development', () => {
    expect(load({})).toEqual({
      nodeEnv: 'development',
      port: 4000,
      databaseUrl: undefined,
      dataDir: path.join(CWD, '.parley-data'),
      adminToken: undefined,
      agendaBackend: 'postgres',
      mongodbUrl: undefined,
      logLevel: 'info',
      introspection: true,
      eventTransport: 'postgres',
      limits: defaultLimits(false),
    });
  });

  it('reads every variable', () => {
    expect(
      load({
        NODE_ENV: 'production',
        PORT: '8080',
        DATABASE_URL: 'postgres://u:p@db:5432/parley',
        PARLEY_DATA_DIR: '/var/lib/parley',
        ADMIN_TOKEN: GOOD_TOKEN,
        AGENDA_BACKEND: 'mongodb',
        MONGODB_URL: 'mongodb://mongo:27017/parley',
        LOG_LEVEL: 'warn',
        PARLEY_INTROSPECTION: 'true',
        PARLEY_EVENT_TRANSPORT: 'memory',
      }),
    ).toEqual({
      nodeEnv: 'production',
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/parley',
      dataDir: '/var/lib/parley',
      adminToken: GOOD_TOKEN,
      agendaBackend: 'mongodb',
      mongodbUrl: 'mongodb://mongo:27017/parley',
      logLevel: 'warn',
      introspection: true,
      eventTransport: 'memory',
      limits: defaultLimits(true),
    });
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
        PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND: '250',
        PARLEY_RATE_LIMIT_MUTATIONS_PER_SECOND: '5',
        PARLEY_RATE_LIMIT_MUTATIONS_BURST: '20',
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
      webSocket: { initTimeoutMs: 1000, maxMessageBytes: 8192, maxSubscriptions: 10 },
      rateLimits: {
        messages: { perSecond: 250, burst: 2500 },
        mutations: { perSecond: 5, burst: 20 },
      },
    });
  });

  it('closes CORS in production, opens it in development, and lifts a rate limit at 0', () => {
    expect(load({ NODE_ENV: 'production', ADMIN_TOKEN: GOOD_TOKEN }).limits.corsOrigins).toEqual([]);
    expect(load({}).limits.corsOrigins).toEqual(['*']);
    expect(load({ PARLEY_CORS_ORIGINS: 'none' }).limits.corsOrigins).toEqual([]);
    expect(load({ PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND: '0' }).limits.rateLimits.messages).toBeNull();
  });

  it('turns introspection off in production unless asked', () => {
    expect(load({ NODE_ENV: 'production', ADMIN_TOKEN: GOOD_TOKEN }).introspection).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ NODE_ENV: 'production' }, 'ADMIN_TOKEN'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ AGENDA_BACKEND: 'redis' }, 'AGENDA_BACKEND'],
    [{ AGENDA_BACKEND: 'mongodb' }, 'MONGODB_URL'],
    [{ MONGODB_URL: 'http://mongo' }, 'MONGODB_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PARLEY_INTROSPECTION: 'maybe' }, 'PARLEY_INTROSPECTION'],
    [{ PARLEY_EVENT_TRANSPORT: 'kafka' }, 'PARLEY_EVENT_TRANSPORT'],
    [{ PARLEY_MAX_QUERY_DEPTH: '0' }, 'PARLEY_MAX_QUERY_DEPTH'],
    [{ PARLEY_MAX_QUERY_COST: 'lots' }, 'PARLEY_MAX_QUERY_COST'],
    [{ PARLEY_BODY_LIMIT_BYTES: '1e6' }, 'PARLEY_BODY_LIMIT_BYTES'],
    [{ PARLEY_CORS_ORIGINS: 'https://app.example.com/' }, 'PARLEY_CORS_ORIGINS'],
    [{ PARLEY_CORS_ORIGINS: 'app.example.com' }, 'PARLEY_CORS_ORIGINS'],
    [{ PARLEY_WS_MAX_SUBSCRIPTIONS: '-3' }, 'PARLEY_WS_MAX_SUBSCRIPTIONS'],
    [{ PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND: 'fast' }, 'PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND'],
    [{ PARLEY_RATE_LIMIT_MESSAGES_BURST: '0' }, 'PARLEY_RATE_LIMIT_MESSAGES_BURST'],
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
