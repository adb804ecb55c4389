import pg from 'pg';
import type { Logger } from '../observability/logger';

/** Node socket errors that mean the database cannot be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean the database is away: connection exceptions (class 08), shutdown and startup
 * (57P01–57P03), too many connections (53300).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Our own statement and lock timeouts: this request could not be served in time; others may be. */
const TIMEOUT_STATES = new Set(['57014', '55P03']);

/** Messages of pg, knex and tarn for the same conditions; they carry no code. */
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /did not answer within/i,
  // knex, when the connection under a transaction broke before its first statement (BEGIN failed on
  // a terminated connection): the connection's own error is swallowed and this is what surfaces.
  /Transaction query already complete/i,
  /timeout exceeded when trying to connect/i,
  /Query read timeout/i,
  /Timeout acquiring a connection/i,
  /Client has encountered a connection error and is not queryable/i,
  /Connection ended unexpectedly/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

export type DatabaseFault = 'UNAVAILABLE' | 'TIMED_OUT';

/**
 * Whether `err` (or what it wraps) says the database was unreachable (UNAVAILABLE) or could not
 * serve this request in time (TIMED_OUT); null for anything else. Both mean the same request may
 * succeed later.
 */
export function databaseFault(err: unknown): DatabaseFault | null {
  for (let current: unknown = err, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return null;
    const { code, sqlState, message, name } = current as {
      code?: unknown;
      sqlState?: unknown;
      message?: unknown;
      name?: unknown;
    };
    for (const c of [code, sqlState]) {
      if (typeof c !== 'string') continue;
      if (NETWORK_CODES.has(c) || UNAVAILABLE_STATES.has(c) || /^08/.test(c)) return 'UNAVAILABLE';
      if (TIMEOUT_STATES.has(c)) return 'TIMED_OUT';
    }
    // The pool gave up making a connection: what failed is lost, but a database that answers
    // makes connections in milliseconds.
    if (name === 'KnexTimeoutError' || name === 'ConnectionException') return 'UNAVAILABLE';
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message)))
      return 'UNAVAILABLE';
    current =
      (current as { cause?: unknown; originalError?: unknown }).cause ??
      (current as { originalError?: unknown }).originalError;
  }
  return null;
}

export interface AvailabilityOptions {
  /** How often a probe looks for the database while it is away. */
  probeEveryMs: number;
  /** The probe's own connect and query deadline. */
  probeTimeoutMs: number;
}

/**
 * What this process knows of its database: up, or away since a request, a job or a readiness check
 * met an error that says so. While it is away, requests are refused at once (SERVICE_UNAVAILABLE)
 * rather than each waiting for a connection the pool cannot make, and one probe, on a connection
 * of its own, looks for the database until it answers again. One log line per change.
 */
export class DatabaseAvailability {
  private down = false;
  private probing: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    private readonly options: AvailabilityOptions = { probeEveryMs: 500, probeTimeoutMs: 1_000 },
  ) {}

  available(): boolean {
    return !this.down;
  }

  /** How long a refused client should wait before trying again. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.options.probeEveryMs / 1000));
  }

  /**
   * Looks at an error: if it says the database is away, marks it so. Returns the fault, if any (a
   * timeout is this request's alone and marks nothing).
   */
  report(err: unknown): DatabaseFault | null {
    const fault = databaseFault(err);
    if (fault !== 'UNAVAILABLE') return fault;
    if (!this.down && !this.stopped) {
      this.down = true;
      this.logger.warn({ err }, 'database unavailable; refusing requests until it answers');
      this.scheduleProbe();
    }
    return fault;
  }

  /** One check with a deadline, on a connection of its own (readiness uses it while up). */
  async check(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      connectionTimeoutMillis: this.options.probeTimeoutMs,
      query_timeout: this.options.probeTimeoutMs,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
    } finally {
      void client.end().catch(() => undefined);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.probing) clearTimeout(this.probing);
    this.probing = null;
  }

  private scheduleProbe(): void {
    if (this.stopped || this.probing) return;
    this.probing = setTimeout(() => {
      this.probing = null;
      this.check().then(
        () => {
          if (this.stopped) return;
          this.down = false;
          this.logger.info('database available again');
        },
        () => this.scheduleProbe(),
      );
    }, this.options.probeEveryMs);
    this.probing.unref();
  }
}
