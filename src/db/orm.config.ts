import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList } from '../../migrations';
import { entities } from '../entities';

/**
 * Our own deadlines on the serving pool (docs: README "Configuration"). Defaults no normal request
 * reaches; they bound what a stuck lock, a runaway query or a database that stopped answering can
 * cost a caller, who then gets SERVICE_UNAVAILABLE and may retry.
 */
export interface DatabaseTimeouts {
  /** Server-side, per statement (statement_timeout). */
  statementTimeoutMs: number;
  /** Server-side, per lock wait (lock_timeout). */
  lockTimeoutMs: number;
  /** Waiting for a pooled connection, making one included. */
  acquireTimeoutMs: number;
  /** Opening a connection (a frozen server accepts TCP but never answers). */
  connectTimeoutMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 10_000,
  acquireTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
};

// Client-side backstop past the server's own statement timeout: a server that stopped answering
// cannot enforce that one.
const READ_TIMEOUT_MARGIN_MS = 5_000;

/** driverOptions that put `timeouts` on every connection of the pool (sent at connect: no round trip). */
export function timeoutOptions(timeouts: DatabaseTimeouts): Partial<Options> {
  return {
    driverOptions: {
      acquireConnectionTimeout: timeouts.acquireTimeoutMs,
      connection: {
        statement_timeout: timeouts.statementTimeoutMs,
        lock_timeout: timeouts.lockTimeoutMs,
        // A transaction left open holds back the event stream for every reader (docs/domain.md
        // "The event stream"); ours never wait between statements this long.
        idle_in_transaction_session_timeout: timeouts.statementTimeoutMs,
        query_timeout: timeouts.statementTimeoutMs + READ_TIMEOUT_MARGIN_MS,
        connectionTimeoutMillis: timeouts.connectTimeoutMs,
      },
    },
  };
}

/**
 * The ORM setup shared by the server, the tests and the CLI. Migrations are listed in code
 * (migrations/index.ts) rather than globbed, so compiled JS, ts-node and jest all run the same set.
 */
export function ormConfig(databaseUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    pool: { min: 0, max: 20 },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: 'dist/migrations',
      pathTs: 'migrations',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
    },
    ...overrides,
  });
}
