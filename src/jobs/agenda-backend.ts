import { MongoBackend } from '@agendajs/mongo-backend';
import { PostgresBackend, PostgresNotificationChannel } from '@agendajs/postgres-backend';
import type { AgendaBackend, NotificationChannel, NotificationChannelState } from 'agenda';
import pg from 'pg';
import type { AgendaBackend as BackendKind } from '../config/config';
import type { Logger } from '../observability/logger';
import { RepeatFilter } from '../observability/repeat-filter';

export interface AgendaStorage {
  kind: BackendKind;
  /** The PostgreSQL Parley itself uses (for kind "postgres"). */
  databaseUrl: string;
  /** Required for kind "mongodb" (config validation guarantees it at start). */
  mongodbUrl?: string;
}

export interface AgendaConnection {
  backend: AgendaBackend;
  /** Replaces the backend's own channel (see below); absent for MongoDB. */
  notificationChannel?: NotificationChannel;
  /** Ends what Parley opened for Agenda, after Agenda has stopped. */
  close(): Promise<void>;
}

// The LISTEN connection is only a shortcut (Agenda polls anyway): keep trying, at most this far apart.
const CHANNEL_RECONNECT = {
  enabled: true,
  maxAttempts: Number.POSITIVE_INFINITY,
  initialDelayMs: 250,
  maxDelayMs: 30_000,
};

/**
 * Where Agenda keeps its jobs: by default the same PostgreSQL (tables agenda_jobs, agenda_logs),
 * or MongoDB as docker-compose.yml runs it.
 *
 * For PostgreSQL, Parley owns the pool and the notification channel rather than letting the backend
 * make them: the backend's pool has no 'error' listener (a terminated idle connection would end
 * the process), and its channel stops reconnecting after 10 attempts and then emits an 'error'
 * nothing listens to. Here both report to the log, once per state change, and the channel
 * reconnects with capped exponential backoff forever.
 */
export function createAgendaConnection(storage: AgendaStorage, logger: Logger): AgendaConnection {
  if (storage.kind === 'mongodb') {
    if (!storage.mongodbUrl) throw new Error('AGENDA_BACKEND=mongodb needs MONGODB_URL');
    return {
      backend: new MongoBackend({ address: storage.mongodbUrl, collection: 'agenda_jobs' }),
      close: async () => undefined,
    };
  }
  const pool = new pg.Pool({ connectionString: storage.databaseUrl, max: 5, connectionTimeoutMillis: 5_000 });
  // A lost connection reports on every attempt; the state changes below say what happens.
  const repeats = new RepeatFilter(60_000);
  const lost = (err: Error): void => {
    if (repeats.fresh(err)) logger.warn({ err, component: 'agenda' }, 'a scheduler connection was lost');
  };
  pool.on('error', lost);
  // pg-pool listens for errors only on idle clients. The backend holds clients between statements
  // (its transactions, the LISTEN connection), and a connection terminated then emits 'error' on
  // the client itself: with no listener, that would end the process.
  pool.on('connect', (client) => client.on('error', lost));
  const channel = new BackoffNotificationChannel({ pool, reconnect: CHANNEL_RECONNECT });
  let lastState: string | null = null;
  channel.on('stateChange', (state: string) => {
    if (state === lastState) return;
    lastState = state;
    logger.info({ component: 'agenda', state }, 'scheduler notification channel');
  });
  channel.on('error', (err: Error) => {
    if (repeats.fresh(err))
      logger.warn({ err, component: 'agenda' }, 'scheduler notification channel failed');
  });
  let closed: Promise<void> | null = null;
  return {
    backend: new PostgresBackend({ pool, disableNotifications: true }),
    notificationChannel: channel,
    close: () => (closed ??= pool.end()),
  };
}

/**
 * The backend's channel resets its attempt count at the start of every connect(), so its delay
 * never grows past the first: keep the count until a connection succeeds.
 */
class BackoffNotificationChannel extends PostgresNotificationChannel {
  protected override clearReconnect(): void {
    const attempts = this.reconnectAttempts;
    super.clearReconnect();
    if (this._state !== 'connected') this.reconnectAttempts = attempts;
  }

  protected override setState(state: NotificationChannelState): void {
    super.setState(state);
    if (state === 'connected') this.reconnectAttempts = 0;
  }
}
