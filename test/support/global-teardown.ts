import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const handle = globalThis.__PARLEY_TEST_PG__;
  if (!handle) return;
  await handle.pg.stop();
  fs.rmSync(handle.dir, { recursive: true, force: true });
}
