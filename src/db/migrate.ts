import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { MIGRATION_LOCK_KEY } from './advisory-locks';

/**
 * Runs pending migrations under a PostgreSQL advisory lock held on a connection of its own, so
 * several processes starting at once on one database migrate it once and none serves a
 * half-migrated schema. Closing that connection releases the lock, even if the migration throws.
 */
export async function migrate(orm: MikroORM, databaseUrl: string): Promise<void> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await orm.getMigrator().up();
  } finally {
    await lock.end();
  }
}
