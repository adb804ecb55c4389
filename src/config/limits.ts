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
  /**
   * Changes held for one subscription whose client is not reading; one more ends it with LAGGING
   * (docs/domain.md "The event stream"), so a stalled client cannot grow the server's memory.
   */
  subscriberBuffer: number;
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
  /**
   * setTyping, per agent token (an integration's draws on its message bucket: it relays every end
   * user of the channel). null or absent: unlimited.
   */
  typing?: RateLimit | null;
}

/** Failed authentication, per client address (SECURITY.md "Failed authentication"). */
export interface AuthLimits {
  /** Failed authentications per client address; past it, 429 without a database lookup. null: unlimited. */
  failures: RateLimit | null;
  /** How long a token that matched no live token is refused from memory, without a lookup. 0: never. */
  negativeCacheMs: number;
  /**
   * Take the client address from the last X-Forwarded-For entry rather than the socket: only behind
   * a proxy that appends it, since a client can write anything there itself.
   */
  trustProxy: boolean;
}

/** node:http's own limits on connections (SECURITY.md "HTTP server limits"). */
export interface HttpServerLimits {
  /** From a request's first byte to the end of its headers; past it, 408 and the connection is closed. */
  headersTimeoutMs: number;
  /** From a request's first byte to the end of its body. Upgraded (WebSocket) connections are exempt. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. */
  keepAliveTimeoutMs: number;
  /** Open sockets, WebSockets included; one more is closed as soon as it is accepted. */
  maxConnections: number;
}

/** Uploads (docs/domain.md "Attachments"; SECURITY.md "Uploads and attachment links"). */
export interface UploadLimits {
  /** A larger file is refused with 413 as soon as it passes this, while it streams. */
  maxBytes: number;
  /** An upload is attached within this or never; unattached, the sweep then removes it. */
  attachWindowSeconds: number;
}

/** docs/domain.md "Presence": how processes tell each other they are alive (SECURITY.md has no part in it). */
export interface PresenceTiming {
  /** How often a process tells the others it is alive, and looks for dead ones. */
  heartbeatMs: number;
  /** A process silent this long is taken for dead: its agents' sockets stop counting. */
  staleAfterMs: number;
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
  auth: AuthLimits;
  http: HttpServerLimits;
  /** A `typing: true` not renewed within this lapses (docs/domain.md "Typing"). */
  typingLapseMs: number;
  uploads: UploadLimits;
  presence: PresenceTiming;
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
  subscriberBuffer: 1_000,
};

/**
 * WhatsApp's Cloud API sends up to 80 messages/s per number by default; a partner relaying a busy
 * number, with bursts after an outage, fits in 100/s with a burst of 1,000. People click far slower.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  messages: { perSecond: 100, burst: 1_000 },
  mutations: { perSecond: 20, burst: 100 },
  // A console renews every ~3 s and stops on send; one person never needs more than a few a second.
  typing: { perSecond: 5, burst: 10 },
};

/** docs/domain.md "Typing": the contract's 6 s; a console renews every ~3 s, so one lost renewal is forgiven. */
export const DEFAULT_TYPING_LAPSE_MS = 6_000;

/**
 * 10 failures a second (bursts of 200) per address bound what wrong tokens cost the database to a
 * few lookups a second per attacker, and leave room for an office behind one NAT whose clients hold
 * revoked tokens. 30 s of negative cache: a token issued by another process is refused here for at
 * most that long, if this process saw it as wrong just before (a new token is random, so only a
 * guess can have been cached).
 */
export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  failures: { perSecond: 10, burst: 200 },
  negativeCacheMs: 30_000,
  trustProxy: false,
};

/**
 * Node's defaults (60 s for headers, 300 s per request, checked every 30 s) let a slowloris hold a
 * connection for minutes. A real client sends its headers at once and a 1 MB body within seconds.
 * The cap counts WebSockets too: sized for some thousands of agents' dashboards (one to three
 * sockets each) with room, well under the file descriptors a process gets.
 */
export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 10_000,
};

/**
 * 25 MiB: a phone's photo or video clip, a PDF of scans; what messaging apps accept for documents
 * is of this order. Attachment.size is a GraphQL Int, so nothing above 2^31 - 1 can be configured.
 * An hour to attach: a reply is written in minutes; an upload left unused costs disk until then.
 */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxBytes: 25 * 1024 * 1024,
  attachWindowSeconds: 3_600,
};

/**
 * A heartbeat every 10 s costs one tiny UPDATE per process; three missed ones (30 s) rather than one
 * mark a process dead, so a long GC pause or a slow statement does not drop its agents' sockets.
 */
export const DEFAULT_PRESENCE_TIMING: PresenceTiming = { heartbeatMs: 10_000, staleAfterMs: 30_000 };

export function defaultLimits(production: boolean): Limits {
  return {
    query: { ...DEFAULT_QUERY_LIMITS },
    bodyLimitBytes: 1024 * 1024,
    corsOrigins: production ? [] : ['*'],
    webSocket: { ...DEFAULT_WEBSOCKET_LIMITS },
    rateLimits: { ...DEFAULT_RATE_LIMITS },
    auth: { ...DEFAULT_AUTH_LIMITS },
    http: { ...DEFAULT_HTTP_SERVER_LIMITS },
    typingLapseMs: DEFAULT_TYPING_LAPSE_MS,
    uploads: { ...DEFAULT_UPLOAD_LIMITS },
    presence: { ...DEFAULT_PRESENCE_TIMING },
  };
}
