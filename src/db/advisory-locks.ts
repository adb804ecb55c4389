/**
 * PostgreSQL advisory lock keys. Any fixed 64-bit values do, as long as every Parley process uses
 * the same ones; they are kept together so that no two uses pick the same key.
 */

/** Held (session-level, on a connection of its own) while migrations run: see migrate.ts. */
export const MIGRATION_LOCK_KEY = 7_021_931_404;

/**
 * One routing run at a time, cluster-wide: a run takes it exclusively, first thing in its
 * transaction. Ingestion takes it shared, without waiting (pg_try_advisory_xact_lock_shared),
 * before it locks a ticket: when it gets it, no run can read the queue until it commits, so none
 * can have skipped its ticket (SKIP LOCKED) and a message on a waiting ticket needs no run of its
 * own. Nothing waits for the shared lock, so it adds no lock cycle; a run waits for the
 * ingestions that hold it (one short transaction each).
 */
export const ROUTING_LOCK_KEY = 7_021_931_405;
