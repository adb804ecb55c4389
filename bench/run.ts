import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { cpuShare, cpuSnapshot } from './lib/cpu';
import { GraphqlClient, startParley, type ParleyServer } from './lib/parley';
import { consoleTable, markdown, spliceInto, type BenchRun } from './lib/report';
import type { BenchContext, Scenario } from './lib/scenario';
import { nowMs } from './lib/stats';
import { Worker } from './lib/worker';
import { closeJobs } from './scenarios/close-jobs.scenario';
import { fanOut } from './scenarios/fan-out.scenario';
import { idleConnections } from './scenarios/idle-connections.scenario';
import { receiveMessage } from './scenarios/receive-message.scenario';
import { replay } from './scenarios/replay.scenario';
import { routing } from './scenarios/routing.scenario';
import { smallQuery } from './scenarios/small-query.scenario';
import { webhooks } from './scenarios/webhooks.scenario';

// P6 first: its memory figures need a server that no other scenario has grown yet.
const SCENARIOS: Scenario[] = [
  idleConnections,
  smallQuery,
  receiveMessage,
  fanOut,
  routing,
  closeJobs,
  replay,
  webhooks,
];
const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const only = process.argv.slice(2).map((a) => a.toUpperCase());
  const selected = only.length ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
  const full = selected.length === SCENARIOS.length;
  const log = (line: string): void => void process.stdout.write(`[bench] ${line}\n`);
  const started = nowMs();

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  fs.chmodSync(dataDir, 0o755);
  log(`fresh embedded PostgreSQL in ${dataDir}`);
  const postgres = await startEmbeddedPostgres({ dataDir });
  const parley = await startParley({ databaseUrl: postgres.url, logFile: path.join(dataDir, 'parley.log') });
  log(`Parley (production build) at ${parley.httpUrl}, pid ${parley.pid}`);

  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  const version = (await db.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]!.v;
  await db.end();

  const run: BenchRun = {
    startedAt: new Date(started).toISOString(),
    durationSeconds: 0,
    command: 'npm ci && npm run bench',
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: `PostgreSQL ${version}`,
    },
    scenarios: [],
    failures: [],
  };

  let extraServers = 0;
  try {
    for (const scenario of selected) {
      const workers: Worker[] = [];
      const servers: ParleyServer[] = [];
      const ctx: BenchContext = {
        parley,
        gql: new GraphqlClient(parley.httpUrl),
        databaseUrl: postgres.url,
        worker: (label) => {
          const w = new Worker(label);
          workers.push(w);
          return w;
        },
        startParley: async (label) => {
          const server = await startParley({
            databaseUrl: postgres.url,
            logFile: path.join(dataDir, `parley-${scenario.id}-${++extraServers}.log`),
            adminToken: parley.adminToken,
          });
          servers.push(server);
          log(`${label}: another Parley process at ${server.httpUrl}, pid ${server.pid}`);
          return server;
        },
        measureCpu: async (phase, server = [parley.pid]) => {
          const groups = () => ({
            parley: server,
            generators: workers.map((w) => w.pid).filter((pid) => !server.includes(pid)),
          });
          const before = cpuSnapshot(groups());
          const result = await phase();
          return { result, cpu: cpuShare(before, cpuSnapshot(groups())) };
        },
        log,
      };
      log(`${scenario.id} ${scenario.title.replace(/`/g, '')}`);
      const t0 = nowMs();
      try {
        run.scenarios.push(await scenario.run(ctx));
      } catch (err) {
        log(`${scenario.id} failed: ${err instanceof Error ? err.stack : String(err)}`);
        run.failures.push({ id: scenario.id, error: err instanceof Error ? err.message : String(err) });
      } finally {
        await Promise.all([...workers.map((w) => w.stop()), ...servers.map((p) => p.stop())]);
      }
      log(`${scenario.id} took ${((nowMs() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await parley.stop();
    await postgres.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  run.durationSeconds = (nowMs() - started) / 1000;
  process.stdout.write(`\n${consoleTable(run)}\n\nTotal ${run.durationSeconds.toFixed(0)} s\n`);
  if (full) {
    const mdPath = path.join(ROOT, 'BENCHMARKS.md');
    const existing = fs.existsSync(mdPath) ? fs.readFileSync(mdPath, 'utf8') : undefined;
    // Formatted as the repository's Prettier would, so the file stays lint-clean after a run.
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(mdPath)) ?? {};
    fs.writeFileSync(
      mdPath,
      await prettier.format(spliceInto(existing, markdown(run)), { ...options, parser: 'markdown' }),
    );
    fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify(run, null, 2)}\n`);
    log('wrote BENCHMARKS.md and bench/results.json');
  } else {
    // Its rows as the generated part of BENCHMARKS.md would show them, for adding a figure by hand.
    process.stdout.write(`\n${markdown(run)}\n\n`);
    log('a partial run (scenarios chosen on the command line) writes no files');
  }
  if (run.failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
