import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.PARLEY_TEST_PG_URL;
  if (!url)
    throw new Error(
      'PARLEY_TEST_PG_URL is not set: run the tests through jest (test/support/global-setup.ts)',
    );
  return url;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the shared test cluster, so test files can run in parallel. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `parley_t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      admin((c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/**
 * A fingerprint of every row of every application table: equal before and after a refused request
 * proves it changed nothing.
 */
export async function snapshotDatabase(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fingerprint(client);
  } finally {
    await client.end();
  }
}

export interface DatabaseSnapshots {
  /** snapshotDatabase's fingerprint, over a connection kept open. */
  snapshot(): Promise<Record<string, string>>;
  /** Any other query on that connection. */
  query<R extends pg.QueryResultRow>(sql: string): Promise<R[]>;
  close(): Promise<void>;
}

/** For suites that take hundreds of snapshots: one connection for all of them (connecting is most of the cost). */
export async function openDatabaseSnapshots(url: string): Promise<DatabaseSnapshots> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    snapshot: () => fingerprint(client),
    query: async <R extends pg.QueryResultRow>(sql: string) => (await client.query<R>(sql)).rows,
    close: () => client.end(),
  };
}

/**
 * Presence's bookkeeping (docs/domain.md "Presence"): every process's heartbeat rewrites its row, and
 * opening or closing an agent's socket writes its counts, whatever a request does. Not state a
 * request changes, so "changes nothing" leaves them out.
 */
export const NOT_FINGERPRINTED = ['presence_processes', 'agent_connections', 'agent_disconnects'];

async function fingerprint(client: pg.Client): Promise<Record<string, string>> {
  const tables = await client.query<{ table_name: string }>(
    `select table_name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations'
        and table_name::text <> all($1::text[])
      order by table_name`,
    [NOT_FINGERPRINTED],
  );
  if (tables.rows.length === 0) return {};
  // One statement for all tables: a round trip each would be most of the cost.
  const result = await client.query<{ table_name: string; n: string; digest: string | null }>(
    tables.rows
      .map(
        ({ table_name }) =>
          `select ${client.escapeLiteral(table_name)} as table_name, count(*)::text as n,
             md5(string_agg(r::text, '|' order by r::text)) as digest from ${client.escapeIdentifier(table_name)} r`,
      )
      .join(' union all '),
  );
  const snapshot: Record<string, string> = {};
  for (const row of result.rows) snapshot[row.table_name] = `${row.n}:${row.digest ?? ''}`;
  return snapshot;
}
