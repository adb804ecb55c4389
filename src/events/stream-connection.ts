import pg from 'pg';
import type { Logger } from '../observability/logger';
import { RepeatFilter } from '../observability/repeat-filter';
import type { Query } from './event-log.store';

const RECONNECT_BASE_MS = 250;
const RECONNECT_MAX_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5_000;
// The tail's reads are small and indexed; one that takes this long is stuck, not slow.
const STATEMENT_TIMEOUT_MS = 10_000;
/** How the stream's connection shows in pg_stat_activity (and how a test finds it to kill it). */
export const STREAM_APPLICATION_NAME = 'parley-event-stream';

/**
 * The event stream's own connection: it LISTENs for wake-ups and announcements and runs the tail's
 * reads, away from the request pool (a busy pool must not delay delivery). It is kept up for as
 * long as the stream runs: a lost connection is replaced with capped exponential backoff, forever,
 * with one log line per state change; `onConnected` then lets the tail read what it missed.
 */
export class StreamConnection {
  private client: pg.Client | null = null;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly repeats = new RepeatFilter(60_000);

  constructor(
    private readonly options: {
      databaseUrl: string;
      channels: readonly string[];
      logger: Logger;
      onNotification: (channel: string, payload: string) => void;
      onConnected: () => void;
    },
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  connected(): boolean {
    return this.client !== null;
  }

  /**
   * Runs on this connection, after whatever runs on it already (pg 9 will refuse overlapping
   * queries on one client); fails at once while it is down (the caller retries).
   */
  readonly query: Query = (sql, params) => {
    const run = this.queue.then(async () => {
      const client = this.client;
      if (!client) throw new Error('the event stream connection is down');
      const result = await client.query(numbered(sql), [...params]);
      return result.rows as Record<string, unknown>[];
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };

  async notify(channel: string, payload: string): Promise<void> {
    await this.query('select pg_notify(?, ?)', [channel, payload]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
      application_name: STREAM_APPLICATION_NAME,
      // Its only writes are wake-up NOTIFYs, whose transactions need no flush to disk to be
      // delivered; waiting for one would cost every wake-up an fsync.
      options: '-c synchronous_commit=off',
    });
    client.on('notification', (message) => {
      if (message.payload !== undefined) this.options.onNotification(message.channel, message.payload);
    });
    const lost = (err?: Error): void => {
      if (this.client !== client) return;
      this.client = null;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.options.logger.warn({ err }, 'event stream connection lost; reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.options.onConnected();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.attempts);
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().then(
        () => {
          if (this.client) this.options.logger.info({ attempts: this.attempts }, 'event stream reconnected');
          this.attempts = 0;
        },
        (err: unknown) => {
          if (this.repeats.fresh(err)) {
            this.options.logger.warn(
              { err, attempts: this.attempts },
              'event stream could not reconnect; retrying',
            );
          }
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}

/** `?` placeholders (the log store's, as knex takes them) as pg's `$1, $2, …`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
