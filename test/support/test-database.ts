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
    const tables = await client.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations'
        order by table_name`,
    );
    const snapshot: Record<string, string> = {};
    for (const { table_name } of tables.rows) {
      const t = client.escapeIdentifier(table_name);
      const result = await client.query<{ n: string; digest: string | null }>(
        `select count(*)::text as n, md5(string_agg(r::text, '|' order by r::text)) as digest from ${t} r`,
      );
      const row = result.rows[0];
      snapshot[table_name] = `${row?.n}:${row?.digest ?? ''}`;
    }
    return snapshot;
  } finally {
    await client.end();
  }
}
