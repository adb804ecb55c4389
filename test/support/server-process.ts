import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { GraphQLFormattedError } from 'graphql';

/**
 * Real Parley processes for the tests that crash, restart or starve them: the production build
 * (dist/src/main.js, built by npm test) spawned on a database the test owns, and partners that
 * post messages to it as a real integration would, retrying what was never answered.
 */

export const ROOT = path.resolve(__dirname, '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
export const ADMIN_TOKEN = 'server-process-admin-token-0123456789abcdef';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
}

const children = new Set<ChildProcess>();

/** Starts a server on `databaseUrl`; resolves with its URL once it prints its ready line. */
export function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      // The partners here are meant to go as fast as they can; a limit would only slow the test.
      PARLEY_RATE_LIMIT_MESSAGES_PER_SECOND: '0',
      PARLEY_RATE_LIMIT_MUTATIONS_PER_SECOND: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  // Only the tail is kept: it is what explains a failure.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stderr!.on('data', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after 30 s:\n${output}`)), 30_000);
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      keep(Buffer.from(`${line}\n`));
      const ready = /^Parley ready at (\S+)/.exec(line);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, url: ready[1]!.replace('//localhost:', '//127.0.0.1:'), output: () => output });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${String(code ?? signal)}) before it was ready:\n${output}`));
    });
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Kills every server this file started (afterAll). */
export async function killServers(): Promise<void> {
  for (const child of [...children]) {
    child.kill('SIGKILL');
    await exited(child);
  }
}

export type Outcome<T> =
  | { kind: 'ok'; data: T }
  | { kind: 'refused'; status: number; errors: readonly GraphQLFormattedError[] }
  /** No answer: the request may or may not have been carried out. */
  | { kind: 'unanswered'; error: unknown };

/** One POST /graphql; a RATE_LIMITED refusal is waited out and sent again, as a partner would. */
export async function post<T>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<Outcome<T>> {
  for (;;) {
    let status: number;
    let body: { data?: T | null; errors?: GraphQLFormattedError[] };
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      status = res.status;
      body = (await res.json()) as typeof body;
    } catch (error) {
      return { kind: 'unanswered', error };
    }
    const limited = body.errors?.find((e) => e.extensions?.code === 'RATE_LIMITED');
    if (limited) {
      await sleep(Number(limited.extensions?.retryAfterSeconds ?? 1) * 1000);
      continue;
    }
    if (status === 200 && !body.errors?.length && body.data) return { kind: 'ok', data: body.data };
    return { kind: 'refused', status, errors: body.errors ?? [] };
  }
}

export async function gql<T>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
) {
  const outcome = await post<T>(url, token, query, variables);
  if (outcome.kind !== 'ok') throw new Error(`${query} failed: ${JSON.stringify(outcome)}`);
  return outcome.data;
}

export const RECEIVE = `mutation($input: ReceiveMessageInput!) {
  receiveMessage(input: $input) { duplicate message { sequence } ticket { id } }
}`;
export interface Received {
  receiveMessage: { duplicate: boolean; message: { sequence: number }; ticket: { id: string } };
}

/** A partner relaying one end user's messages, one at a time, each with its own externalMessageId. */
export class EndUser {
  /** Every externalMessageId sent, in order: the n-th must end up with sequence n. */
  readonly sent: string[] = [];
  /** What the server answered for each acknowledged id. */
  readonly answers = new Map<string, Received['receiveMessage']>();
  /** Sent, but the answer never came (the crash): sent again, with the same id, after the restart. */
  pending: string | null = null;
  readonly retried: { id: string; duplicate: boolean }[] = [];
  readonly refusals: unknown[] = [];

  constructor(
    readonly externalUserId: string,
    private readonly channel: { id: string; token: string },
  ) {}

  /** Sends the pending message, or a new one; false when the server did not answer. */
  async sendOne(url: string): Promise<boolean> {
    const retry = this.pending !== null;
    if (this.pending === null) {
      this.pending = `${this.externalUserId}-m${this.sent.length + 1}`;
      this.sent.push(this.pending);
    }
    const id = this.pending;
    const outcome = await post<Received>(url, this.channel.token, RECEIVE, {
      input: {
        channelId: this.channel.id,
        externalUserId: this.externalUserId,
        externalMessageId: id,
        body: `message ${id}`,
      },
    });
    if (outcome.kind === 'unanswered') return false;
    if (outcome.kind === 'refused') {
      this.refusals.push({ id, status: outcome.status, errors: outcome.errors });
      return false;
    }
    this.pending = null;
    this.answers.set(id, outcome.data.receiveMessage);
    if (retry) this.retried.push({ id, duplicate: outcome.data.receiveMessage.duplicate });
    return true;
  }

  /** As fast as it can, until the server stops answering. */
  async flood(url: string, onAck: () => void): Promise<void> {
    while (await this.sendOne(url)) onAck();
  }
}
