import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../../src/db/embedded-postgres';
import {
  ADMIN_TOKEN,
  exited,
  gql,
  killServers,
  MAIN,
  sleep,
  startServer as startProcess,
  type ServerProcess,
} from '../support/server-process';

/**
 * Issue 13, "The embedded PostgreSQL is a good citizen", on real processes (`dist/src/main.js`, as
 * `npm start` runs it): another process pointed at the embedded PostgreSQL outlives a kill -9 of the
 * process that started it, a restart of that process shares the running PostgreSQL instead of
 * stopping it, and a PostgreSQL killed under its server comes back on the same port.
 */

// Generous: a restarted PostgreSQL recovers from the crash first, and the server's pools reconnect
// with their own backoff.
const RECOVERY_TIMEOUT_MS = 60_000;

const dataDirs: string[] = [];

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-citizen-'));
  fs.chmodSync(dir, 0o755);
  dataDirs.push(dir);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** `dataDir` and `pgPort`: its own embedded PostgreSQL; `databaseUrl`: someone else's. */
function startServer(options: { dataDir: string; pgPort: number } | { databaseUrl: string }) {
  return 'databaseUrl' in options
    ? startProcess(options.databaseUrl)
    : // info: the embedded PostgreSQL's lines (reused, restarted, left running) are what is checked.
      startProcess('', {
        PARLEY_DATA_DIR: options.dataDir,
        PARLEY_PG_PORT: String(options.pgPort),
        LOG_LEVEL: 'info',
      });
}

/** Everything the server prints from now on (its own `output()` keeps only a tail). */
function printedFromNow(server: ServerProcess): () => string {
  let printed = '';
  server.child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  return () => printed;
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return exited(child).then(() => child.exitCode);
}

/** The running postmaster of a data dir, from its lock file; undefined when there is none. */
function postmaster(dataDir: string): { pid: number; port: number } | undefined {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    return isAlive(pid) ? { pid, port: Number(lines[3]) } : undefined;
  } catch {
    return undefined;
  }
}

const AGENTS = '{ agents { email } }';
const CREATE_AGENT =
  'mutation($e: String!) { createAgent(input: { name: "A", email: $e }) { agent { email } } }';

async function emails(url: string): Promise<string[]> {
  return (await gql<{ agents: { email: string }[] }>(url, ADMIN_TOKEN, AGENTS)).agents
    .map((a) => a.email)
    .sort();
}

async function createAgent(url: string, email: string): Promise<void> {
  await gql(url, ADMIN_TOKEN, CREATE_AGENT, { e: email });
}

/** Queries `url` every 100 ms until stopped; every failure is kept. */
function keepAsking(url: string): { stop(): Promise<{ answered: number; failures: string[] }> } {
  let running = true;
  let answered = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        await emails(url);
        answered++;
      } catch (err) {
        failures.push(String(err));
      }
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { answered, failures };
    },
  };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(250);
  }
  throw new Error(`${what} not within ${timeoutMs} ms${last === undefined ? '' : `: ${String(last)}`}`);
}

beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm test builds it first (npm run build)`);
});

afterAll(async () => {
  await killServers();
  // A killed owner leaves its PostgreSQL running (it has its own process group): stop it.
  for (const dir of dataDirs) {
    const running = postmaster(dir);
    if (running) {
      process.kill(running.pid, 'SIGINT');
      const deadline = performance.now() + 15_000;
      while (isAlive(running.pid) && performance.now() < deadline) await sleep(100);
      if (isAlive(running.pid)) process.kill(running.pid, 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

describe('the embedded PostgreSQL, shared by two processes', () => {
  it('outlives a kill -9 of the process that started it; a restart shares it, and it is stopped only when nobody else uses it', async () => {
    const dataDir = tempDataDir();
    const pgPort = await freePort();
    const owner = await startServer({ dataDir, pgPort });
    const started = postmaster(dataDir);
    expect(started?.port).toBe(pgPort);

    // What the README tells a second process to do: the same DATABASE_URL, on the fixed port.
    const password = fs.readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
    const databaseUrl = `postgresql://parley:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/parley`;
    const other = await startServer({ databaseUrl });
    await createAgent(owner.url, 'before@example.com');
    expect(await emails(other.url)).toEqual(['before@example.com']);

    const asking = keepAsking(other.url);
    owner.child.kill('SIGKILL');
    await exited(owner.child);

    // The other process serves reads and writes with the owner gone.
    await createAgent(other.url, 'orphaned@example.com');
    expect(await emails(other.url)).toEqual(['before@example.com', 'orphaned@example.com']);
    expect(postmaster(dataDir)?.pid).toBe(started!.pid);

    const restarted = await startServer({ dataDir, pgPort });
    expect(restarted.output()).toContain('reusing the PostgreSQL');
    expect(postmaster(dataDir)).toEqual(started);
    await createAgent(restarted.url, 'restarted@example.com');
    await createAgent(other.url, 'still@example.com');
    expect(await emails(restarted.url)).toEqual([
      'before@example.com',
      'orphaned@example.com',
      'restarted@example.com',
      'still@example.com',
    ]);

    // Not its own: a graceful stop leaves it running for the other process.
    restarted.child.kill('SIGTERM');
    expect(await exitCode(restarted.child)).toBe(0);
    expect(postmaster(dataDir)).toEqual(started);
    await createAgent(other.url, 'after@example.com');

    const { answered, failures } = await asking.stop();
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(other.child.exitCode).toBeNull();

    // Nobody uses it any more: the next start makes it its own (a fresh postmaster, on the same port)…
    other.child.kill('SIGTERM');
    expect(await exitCode(other.child)).toBe(0);
    const owner2 = await startServer({ dataDir, pgPort });
    expect(owner2.output()).toContain('nobody uses it');
    const owned = postmaster(dataDir);
    expect(owned?.pid).not.toBe(started!.pid);
    expect(owned?.port).toBe(pgPort);

    // …and, stopped while another process uses it, leaves it running for that process.
    const other2 = await startServer({ databaseUrl });
    const owner2Printed = printedFromNow(owner2);
    owner2.child.kill('SIGTERM');
    expect(await exitCode(owner2.child)).toBe(0);
    expect(owner2Printed()).toContain('leaving the embedded PostgreSQL running');
    expect(postmaster(dataDir)).toEqual(owned);
    await createAgent(other2.url, 'last@example.com');
    expect(await emails(other2.url)).toContain('last@example.com');
  }, 180_000);
});

describe('the embedded PostgreSQL, killed under its server', () => {
  it('is restarted on the same port while the server stays up, and the server serves again', async () => {
    const dataDir = tempDataDir();
    const pgPort = await freePort();
    const server = await startServer({ dataDir, pgPort });
    const printed = printedFromNow(server);
    await createAgent(server.url, 'kept@example.com');
    const first = postmaster(dataDir)!;
    expect(first.port).toBe(pgPort);

    process.kill(first.pid, 'SIGKILL');
    const second = await waitFor('a new postmaster', RECOVERY_TIMEOUT_MS, () => {
      expect(server.child.exitCode).toBeNull();
      const now = postmaster(dataDir);
      return Promise.resolve(now && now.pid !== first.pid ? now : undefined);
    });
    expect(second.port).toBe(pgPort);

    // Requests may fail while the pools find the new PostgreSQL; they must come back by themselves.
    await waitFor('a query answered', RECOVERY_TIMEOUT_MS, async () => {
      expect(server.child.exitCode).toBeNull();
      return (await emails(server.url)).length > 0 ? true : undefined;
    });
    // A fresh email per attempt: an attempt whose answer was lost may still have been carried out.
    let attempt = 0;
    await waitFor('a mutation answered', RECOVERY_TIMEOUT_MS, async () => {
      await createAgent(server.url, `again-${++attempt}@example.com`);
      return true;
    });
    expect(await emails(server.url)).toEqual(
      expect.arrayContaining(['kept@example.com', `again-${attempt}@example.com`]),
    );
    expect(printed()).toContain('embedded PostgreSQL exited unexpectedly (SIGKILL)');
    expect(printed()).toContain(`embedded PostgreSQL restarted on 127.0.0.1:${pgPort}`);

    // A deliberate stop is not a crash: no restart, and its PostgreSQL goes with it.
    server.child.kill('SIGTERM');
    expect(await exitCode(server.child)).toBe(0);
    expect(postmaster(dataDir)).toBeUndefined();
  }, 180_000);
});
