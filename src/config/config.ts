import path from 'node:path';
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseTimeouts } from '../db/orm.config';
import {
  defaultLimits,
  type HttpServerLimits,
  type Limits,
  type PresenceTiming,
  type RateLimit,
} from './limits';

export type NodeEnv = 'development' | 'production' | 'test';
export type AgendaBackend = 'postgres' | 'mongodb';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the process reads from its environment, validated once at start. */
export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  /** Absent: start the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** The embedded PostgreSQL's loopback port (0: any free port); unused when `databaseUrl` is set. */
  pgPort: number;
  /** Absent outside production: one is generated and kept in `dataDir`. */
  adminToken: string | undefined;
  /** Reads GET /metrics and nothing else; absent: only the admin token does. */
  metricsToken: string | undefined;
  agendaBackend: AgendaBackend;
  mongodbUrl: string | undefined;
  logLevel: LogLevel;
  introspection: boolean;
  limits: Limits;
  /** Deadlines on the serving database pool (db/orm.config.ts). */
  databaseTimeouts: DatabaseTimeouts;
  webhooks: WebhookConfig;
  attachments: AttachmentConfig;
}

/** Where uploads live and how their links are made (docs/domain.md "Attachments"). */
export interface AttachmentConfig {
  /** The local store's folder (PARLEY_UPLOAD_DIR; default `<dataDir>/uploads`). */
  dir: string;
  /** How long an Attachment.url link serves the bytes. */
  linkTtlSeconds: number;
  /** Makes links absolute (`https://host[/path]`, no trailing slash); absent: links are paths. */
  publicUrl: string | undefined;
  /**
   * Signs links; every process of a deployment must use the same. Absent: one generated once and
   * kept in the database, which all processes share.
   */
  linkSecret: string | undefined;
}

/** Outbound webhooks (docs/domain.md "Outbound delivery to partners"). */
export interface WebhookConfig {
  /** A delivery not answered 2xx within this is failed and retried. */
  timeoutMs: number;
  /** The first retry's delay; each later one doubles, with jitter, to at most an hour. */
  retryBaseMs: number;
  /** Attempts in all, the first included; then the delivery has GAVE_UP. */
  maxAttempts: number;
  /** Delivered deliveries older than this are pruned from the log. */
  retentionDays: number;
  /** Refuse loopback, private, link-local and other non-public targets (production default). */
  blockPrivateAddresses: boolean;
  /** Host names or IP addresses allowed even when private targets are refused (lowercase). */
  allowedHosts: string[];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid environment variable ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const MIN_ADMIN_TOKEN_LENGTH = 32;

type Env = Readonly<Record<string, string | undefined>>;

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `${JSON.stringify(raw)} is not one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function parsePort(env: Env): number {
  const raw = optional(env, 'PORT');
  if (raw === undefined) return 4000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new ConfigError('PORT', `${JSON.stringify(raw)} is not a port number (0-65535)`);
  }
  return port;
}

/**
 * Fixed by default, so the embedded PostgreSQL keeps its address across restarts and other processes
 * and tools can use one DATABASE_URL; the default is far from PostgreSQL's usual 5432.
 */
export const DEFAULT_PG_PORT = 54329;

function parsePgPort(env: Env): number {
  const raw = optional(env, 'PARLEY_PG_PORT');
  if (raw === undefined) return DEFAULT_PG_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new ConfigError(
      'PARLEY_PG_PORT',
      `${JSON.stringify(raw)} is not a port number (1-65535, or 0 for any free port)`,
    );
  }
  return port;
}

function parseUrl(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a URL');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function parseBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `${JSON.stringify(raw)} is not true or false`);
}

function parseCount(env: Env, name: string, fallback: number, min = 1): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
    throw new ConfigError(name, `${JSON.stringify(raw)} is not a whole number ≥ ${min}`);
  }
  return n;
}

/** `<NAME>_PER_SECOND` (0: unlimited) and `<NAME>_BURST` (default: 10 seconds' worth, at least 1). */
function parseRateLimit(env: Env, name: string, fallback: RateLimit | null): RateLimit | null {
  const perSecondName = `${name}_PER_SECOND`;
  const raw = optional(env, perSecondName);
  let perSecond = fallback?.perSecond ?? 0;
  if (raw !== undefined) {
    perSecond = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(perSecond)) {
      throw new ConfigError(perSecondName, `${JSON.stringify(raw)} is not a number ≥ 0`);
    }
  }
  if (perSecond === 0) return null;
  const defaultBurst =
    raw === undefined && fallback ? fallback.burst : Math.max(1, Math.ceil(perSecond * 10));
  return { perSecond, burst: parseCount(env, `${name}_BURST`, defaultBurst) };
}

function parseHttpServerLimits(env: Env, d: HttpServerLimits): HttpServerLimits {
  const limits: HttpServerLimits = {
    headersTimeoutMs: parseCount(env, 'PARLEY_HTTP_HEADERS_TIMEOUT_MS', d.headersTimeoutMs),
    requestTimeoutMs: parseCount(env, 'PARLEY_HTTP_REQUEST_TIMEOUT_MS', d.requestTimeoutMs),
    keepAliveTimeoutMs: parseCount(env, 'PARLEY_HTTP_KEEP_ALIVE_TIMEOUT_MS', d.keepAliveTimeoutMs),
    maxConnections: parseCount(env, 'PARLEY_HTTP_MAX_CONNECTIONS', d.maxConnections),
  };
  // node:http refuses to start otherwise; saying so here names the variable.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(
      'PARLEY_HTTP_HEADERS_TIMEOUT_MS',
      `${limits.headersTimeoutMs} is longer than PARLEY_HTTP_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

function parseOrigins(env: Env, fallback: string[]): string[] {
  const raw = optional(env, 'PARLEY_CORS_ORIGINS');
  if (raw === undefined) return fallback;
  if (raw === 'none') return [];
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of origins) {
    if (origin === '*') continue;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError('PARLEY_CORS_ORIGINS', `${JSON.stringify(origin)} is not an origin`);
    }
    if (url.origin !== origin) {
      throw new ConfigError(
        'PARLEY_CORS_ORIGINS',
        `${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path); did you mean ${url.origin}?`,
      );
    }
  }
  return origins;
}

function parseHostList(env: Env, name: string): string[] {
  const raw = optional(env, name);
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/^\[(.*)\]$/, '$1'),
    )
    .filter((h) => h !== '');
}

/** The webhook settings with no PARLEY_WEBHOOK_* variable set (createApp's defaults). */
export function defaultWebhookConfig(production: boolean): WebhookConfig {
  return loadWebhookConfig({}, production);
}

function loadWebhookConfig(env: Env, production: boolean): WebhookConfig {
  return {
    timeoutMs: parseCount(env, 'PARLEY_WEBHOOK_TIMEOUT_MS', 10_000),
    retryBaseMs: parseCount(env, 'PARLEY_WEBHOOK_RETRY_BASE_MS', 10_000),
    maxAttempts: parseCount(env, 'PARLEY_WEBHOOK_MAX_ATTEMPTS', 15),
    retentionDays: parseCount(env, 'PARLEY_WEBHOOK_RETENTION_DAYS', 30),
    blockPrivateAddresses: parseBoolean(env, 'PARLEY_WEBHOOK_BLOCK_PRIVATE', production),
    allowedHosts: parseHostList(env, 'PARLEY_WEBHOOK_ALLOWED_HOSTS'),
  };
}

// Attachment.size is a GraphQL Int.
const MAX_UPLOAD_BYTES = 2_147_483_647;

function parseUploadMaxBytes(env: Env, fallback: number): number {
  const bytes = parseCount(env, 'PARLEY_UPLOAD_MAX_BYTES', fallback);
  if (bytes > MAX_UPLOAD_BYTES) {
    throw new ConfigError('PARLEY_UPLOAD_MAX_BYTES', `${bytes} is more than ${MAX_UPLOAD_BYTES} (2 GiB - 1)`);
  }
  return bytes;
}

function loadAttachmentConfig(env: Env, dataDir: string, cwd: string): AttachmentConfig {
  const dir = optional(env, 'PARLEY_UPLOAD_DIR');
  // Links are made by appending a path: a trailing slash would double it.
  const publicUrl = parseUrl(env, 'PARLEY_PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '');
  // Whoever holds the secret can mint links to any attachment: as hard to guess as the admin token.
  const linkSecret = optional(env, 'PARLEY_LINK_SECRET');
  if (linkSecret !== undefined && linkSecret.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError('PARLEY_LINK_SECRET', `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }
  return {
    dir: dir === undefined ? path.join(dataDir, 'uploads') : path.resolve(cwd, dir),
    linkTtlSeconds: parseCount(env, 'PARLEY_ATTACHMENT_LINK_TTL_SECONDS', 3_600),
    publicUrl,
    linkSecret,
  };
}

function loadLimits(env: Env, production: boolean): Limits {
  const d = defaultLimits(production);
  return {
    query: {
      maxDepth: parseCount(env, 'PARLEY_MAX_QUERY_DEPTH', d.query.maxDepth),
      maxAliases: parseCount(env, 'PARLEY_MAX_QUERY_ALIASES', d.query.maxAliases, 0),
      maxDirectives: parseCount(env, 'PARLEY_MAX_QUERY_DIRECTIVES', d.query.maxDirectives, 0),
      maxTokens: parseCount(env, 'PARLEY_MAX_QUERY_TOKENS', d.query.maxTokens),
      maxCost: parseCount(env, 'PARLEY_MAX_QUERY_COST', d.query.maxCost),
      maxQueryLength: parseCount(env, 'PARLEY_MAX_QUERY_LENGTH', d.query.maxQueryLength),
    },
    bodyLimitBytes: parseCount(env, 'PARLEY_BODY_LIMIT_BYTES', d.bodyLimitBytes),
    corsOrigins: parseOrigins(env, d.corsOrigins),
    webSocket: {
      initTimeoutMs: parseCount(env, 'PARLEY_WS_INIT_TIMEOUT_MS', d.webSocket.initTimeoutMs),
      maxMessageBytes: parseCount(env, 'PARLEY_WS_MAX_MESSAGE_BYTES', d.webSocket.maxMessageBytes),
      maxSubscriptions: parseCount(env, 'PARLEY_WS_MAX_SUBSCRIPTIONS', d.webSocket.maxSubscriptions),
      subscriberBuffer: parseCount(env, 'PARLEY_WS_SUBSCRIBER_BUFFER', d.webSocket.subscriberBuffer),
    },
    rateLimits: {
      messages: parseRateLimit(env, 'PARLEY_RATE_LIMIT_MESSAGES', d.rateLimits.messages),
      mutations: parseRateLimit(env, 'PARLEY_RATE_LIMIT_MUTATIONS', d.rateLimits.mutations),
      typing: parseRateLimit(env, 'PARLEY_RATE_LIMIT_TYPING', d.rateLimits.typing ?? null),
    },
    auth: {
      failures: parseRateLimit(env, 'PARLEY_AUTH_FAILURES', d.auth.failures),
      negativeCacheMs: parseCount(env, 'PARLEY_AUTH_NEGATIVE_CACHE_MS', d.auth.negativeCacheMs, 0),
      trustProxy: parseBoolean(env, 'PARLEY_TRUST_PROXY', d.auth.trustProxy),
    },
    http: parseHttpServerLimits(env, d.http),
    typingLapseMs: parseCount(env, 'PARLEY_TYPING_LAPSE_MS', d.typingLapseMs),
    uploads: {
      maxBytes: parseUploadMaxBytes(env, d.uploads.maxBytes),
      attachWindowSeconds: parseCount(
        env,
        'PARLEY_UPLOAD_ATTACH_WINDOW_SECONDS',
        d.uploads.attachWindowSeconds,
      ),
    },
    presence: parsePresenceTiming(env, d.presence),
  };
}

function parsePresenceTiming(env: Env, d: PresenceTiming): PresenceTiming {
  const heartbeatMs = parseCount(env, 'PARLEY_PRESENCE_HEARTBEAT_MS', d.heartbeatMs, 100);
  const staleAfterMs = parseCount(env, 'PARLEY_PRESENCE_STALE_AFTER_MS', d.staleAfterMs, 100);
  // One late heartbeat must not make a live process look dead.
  if (staleAfterMs < 2 * heartbeatMs) {
    throw new ConfigError(
      'PARLEY_PRESENCE_STALE_AFTER_MS',
      `${staleAfterMs} is less than twice PARLEY_PRESENCE_HEARTBEAT_MS (${heartbeatMs})`,
    );
  }
  return { heartbeatMs, staleAfterMs };
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const nodeEnv = oneOf<NodeEnv>(env, 'NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';

  const adminToken = optional(env, 'ADMIN_TOKEN');
  if (adminToken === undefined && production) {
    throw new ConfigError('ADMIN_TOKEN', 'is required in production');
  }
  if (adminToken !== undefined && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError('ADMIN_TOKEN', `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }
  // A scraper's token guards the same figures from strangers: as hard to guess as the admin's.
  const metricsToken = optional(env, 'PARLEY_METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError('PARLEY_METRICS_TOKEN', `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }

  const agendaBackend = oneOf<AgendaBackend>(env, 'AGENDA_BACKEND', ['postgres', 'mongodb'], 'postgres');
  const mongodbUrl = parseUrl(env, 'MONGODB_URL', ['mongodb:', 'mongodb+srv:']);
  if (agendaBackend === 'mongodb' && mongodbUrl === undefined) {
    throw new ConfigError('MONGODB_URL', 'is required when AGENDA_BACKEND=mongodb');
  }

  const dataDir = path.resolve(cwd, optional(env, 'PARLEY_DATA_DIR') ?? '.parley-data');
  return {
    nodeEnv,
    port: parsePort(env),
    databaseUrl: parseUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir,
    pgPort: parsePgPort(env),
    adminToken,
    metricsToken,
    agendaBackend,
    mongodbUrl,
    logLevel: oneOf<LogLevel>(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    introspection: parseBoolean(env, 'PARLEY_INTROSPECTION', !production),
    limits: loadLimits(env, production),
    databaseTimeouts: {
      statementTimeoutMs: parseCount(
        env,
        'PARLEY_DB_STATEMENT_TIMEOUT_MS',
        DEFAULT_DATABASE_TIMEOUTS.statementTimeoutMs,
      ),
      lockTimeoutMs: parseCount(env, 'PARLEY_DB_LOCK_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.lockTimeoutMs),
      acquireTimeoutMs: parseCount(
        env,
        'PARLEY_DB_ACQUIRE_TIMEOUT_MS',
        DEFAULT_DATABASE_TIMEOUTS.acquireTimeoutMs,
      ),
      connectTimeoutMs: parseCount(
        env,
        'PARLEY_DB_CONNECT_TIMEOUT_MS',
        DEFAULT_DATABASE_TIMEOUTS.connectTimeoutMs,
      ),
    },
    webhooks: loadWebhookConfig(env, production),
    attachments: loadAttachmentConfig(env, dataDir, cwd),
  };
}
