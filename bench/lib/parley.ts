import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The production build under test, in its own process, exactly as `npm start` runs it. */
export interface ParleyServer {
  pid: number;
  httpUrl: string;
  wsUrl: string;
  adminToken: string;
  /** Resident set size of the server process now, in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Several processes may share one database (each with its own event-log tail); give them the same
 * `adminToken` so one token works on all of them.
 */
export async function startParley(options: {
  databaseUrl: string;
  logFile: string;
  adminToken?: string;
}): Promise<ParleyServer> {
  const adminToken = options.adminToken ?? randomBytes(24).toString('hex');
  const log = fs.openSync(options.logFile, 'w');
  const child: ChildProcess = spawn(
    process.execPath,
    // BENCH_PARLEY_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
    [
      ...(process.env.BENCH_PARLEY_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []),
      path.resolve(__dirname, '../../src/main.js'),
    ],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: '0',
        DATABASE_URL: options.databaseUrl,
        ADMIN_TOKEN: adminToken,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
        // The scenarios measure capacity: one partner token sends far more than its rate limit.
        PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND: '0',
        PARLEY_RATE_LIMIT_MUTATIONS_PER_SECOND: '0',
        // P8's webhook receiver runs on loopback, which production refuses unless allowed.
        PARLEY_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      },
      stdio: ['ignore', log, log],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let url: string | undefined;
  for (let i = 0; i < 240 && url === undefined; i++) {
    if (child.exitCode !== null) break;
    await sleep(250);
    url = /Parley ready at (\S+)/.exec(fs.readFileSync(options.logFile, 'utf8'))?.[1];
  }
  if (url === undefined) {
    child.kill('SIGKILL');
    throw new Error(`Parley did not start; see ${options.logFile}`);
  }
  const pid = child.pid!;
  let stopping: Promise<void> | undefined;
  return {
    pid,
    httpUrl: url,
    wsUrl: url.replace(/^http/, 'ws'),
    adminToken,
    rss: () => {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    stop: async () => {
      if (stopping) return stopping;
      child.kill('SIGTERM');
      stopping = exited.then(() => fs.closeSync(log));
      return stopping;
    },
  };
}

/** A small client for setting scenarios up; measured traffic goes through the load processes. */
export class GraphqlClient {
  constructor(private readonly url: string) {}

  async request<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const json = (await res.json()) as { data?: T; errors?: unknown[] };
    if (json.errors || !json.data) throw new Error(`GraphQL error: ${JSON.stringify(json.errors)}`);
    return json.data;
  }

  async raw(token: string, query: string): Promise<string> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    return res.text();
  }
}
