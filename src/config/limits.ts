/**
 * The limits Parley enforces on what callers send (SECURITY.md lists them with their variables).
 * Defaults are sized for real clients with room to spare; every one can be changed by env.
 */
export interface QueryLimits {
  /** Nesting of selections (fragments counted as a level); introspection's __schema is exempt. */
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Lexer tokens in the document: the parser stops at this many, so a huge document costs little. */
  maxTokens: number;
  /** The operation's cost: one per field, a list field's children multiplied by its `first`. */
  maxCost: number;
  /** Characters of the query text. */
  maxQueryLength: number;
}

export interface WebSocketLimits {
  /** A socket that has not sent connection_init by then is closed with 4408. */
  initTimeoutMs: number;
  /** A larger frame closes the socket with 1009. */
  maxMessageBytes: number;
  /** Active subscriptions per socket; one more is refused (an error for that operation only). */
  maxSubscriptions: number;
}

/** A token bucket: `perSecond` refill, `burst` capacity. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface RateLimits {
  /** receiveMessage, per integration token (partner traffic). null: unlimited. */
  messages: RateLimit | null;
  /** Every other mutation, per agent or integration token. null: unlimited. */
  mutations: RateLimit | null;
}

export interface Limits {
  query: QueryLimits;
  /** HTTP request bodies; larger ones get 413. */
  bodyLimitBytes: number;
  /**
   * Origins allowed to call from a browser. [] (production's default): no CORS headers at all,
   * so browsers on other origins are refused; ['*']: any origin.
   */
  corsOrigins: string[];
  webSocket: WebSocketLimits;
  rateLimits: RateLimits;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 2_000,
  maxCost: 25_000,
  maxQueryLength: 32_768,
};

export const DEFAULT_WEBSOCKET_LIMITS: WebSocketLimits = {
  initTimeoutMs: 3_000,
  maxMessageBytes: 64 * 1024,
  maxSubscriptions: 100,
};

/**
 * WhatsApp's Cloud API sends up to 80 messages/s per number by default; a partner relaying a busy
 * number, with bursts after an outage, fits in 100/s with a burst of 1,000. People click far slower.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  messages: { perSecond: 100, burst: 1_000 },
  mutations: { perSecond: 20, burst: 100 },
};

export function defaultLimits(production: boolean): Limits {
  return {
    query: { ...DEFAULT_QUERY_LIMITS },
    bodyLimitBytes: 1024 * 1024,
    corsOrigins: production ? [] : ['*'],
    webSocket: { ...DEFAULT_WEBSOCKET_LIMITS },
    rateLimits: { ...DEFAULT_RATE_LIMITS },
  };
}
