import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres';

declare global {
  var __PARLEY_TEST_PG__: { pg: EmbeddedPostgres; dir: string } | undefined;
}

/** One real PostgreSQL for the whole run; each test file makes its own database on it. */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-test-'));
  fs.chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: dir, database: 'postgres' });
  globalThis.__PARLEY_TEST_PG__ = { pg, dir };
  // Workers are forked after this runs and inherit the environment.
  process.env.PARLEY_TEST_PG_URL = pg.url;
}
