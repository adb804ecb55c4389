import type { IncomingHttpHeaders, Server } from 'node:http';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Clock } from '../../src/domain/clock';
import { createChannel } from './fixtures';
import type { TestApp } from './test-app';
import { waitForSubscribers } from './ws-client';

/**
 * What the frontend-client suites (test/e2e/clients) need around Apollo Client and urql, which are
 * used as a frontend team sets them up: their graphql-ws socket, a view of the requests the server
 * received, a wait for a condition, a subscription known to be live, a network that loses one
 * response, and the fixtures and server-side reads both suites share.
 */

/**
 * The graphql-ws client both set-ups subscribe through (README "Using Parley from Apollo Client and
 * urql"), signed in with the token in connectionParams.
 */
export function signedInSocket(wsUrl: string, authorization: string): WsClient {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket, // Node 20 has no global WebSocket; a browser needs none
    connectionParams: { authorization },
  });
}

/** Long enough for a slow, loaded machine; the condition usually holds within milliseconds. */
const WAIT_MS = 20_000;

/** Retries `check` (an assertion or a read that throws) until it passes, and returns its value. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (performance.now() > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts a client's subscription once every change committed so far has been delivered, and returns
 * when the server has it live, so a change made next reaches it (the clients subscribe lazily).
 */
export async function whenLive<T>(t: TestApp<Clock>, start: () => T): Promise<T> {
  const events = t.app.services.events;
  await events.settle();
  const before = events.subscriberCount();
  const started = start();
  await waitForSubscribers(() => events.subscriberCount(), before + 1, WAIT_MS);
  return started;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Set once the response is sent. */
  status?: number;
}

/** Every HTTP request the server receives, as it arrived (the body is left to the server). */
export function recordRequests(server: Server): { seen: SeenRequest[]; stop(): void } {
  const seen: SeenRequest[] = [];
  const onRequest = (
    req: { method?: string; url?: string; headers: IncomingHttpHeaders },
    res: { statusCode: number; on(event: 'finish', cb: () => void): void },
  ) => {
    const entry: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    seen.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
  };
  server.on('request', onRequest);
  return { seen, stop: () => server.off('request', onRequest) };
}

/**
 * A fetch that loses the answer to the first request for one operation: the server handles it
 * and answers, and the client sees the connection fail, as when a mobile network drops. The lost
 * answer is held until `release()`, so a test can look at the client meanwhile.
 */
export class LosingNetwork {
  /** Requests for the operation so far, the lost one included. */
  attempts = 0;
  /** Resolves once the server's answer to the first request has arrived and been thrown away. */
  readonly answerLost: Promise<void>;
  private lost!: () => void;
  private released!: () => void;
  private readonly release$ = new Promise<void>((resolve) => (this.released = resolve));

  constructor(private readonly operationName: string) {
    this.answerLost = new Promise((resolve) => (this.lost = resolve));
  }

  release(): void {
    this.released();
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (operationNameOf(init) !== this.operationName || ++this.attempts > 1) return response;
    await response.text();
    this.lost();
    await this.release$;
    throw new TypeError('fetch failed');
  };
}

function operationNameOf(init: RequestInit | undefined): string | undefined {
  if (typeof init?.body !== 'string') return undefined;
  return (JSON.parse(init.body) as { operationName?: string }).operationName;
}

/** A channel whose tickets routing leaves alone (no agent has its skill): the admin places them. */
export const adminsChannel = (t: TestApp<Clock>) =>
  createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: [`nobody-${process.pid}`] });

/** The ticket's messages as the server holds them, read by the admin. */
export async function serverMessages(t: TestApp<Clock>, ticketId: string) {
  const res = await t.client.raw<{
    ticket: { messages: { edges: { node: { id: string; clientMessageId: string | null } }[] } };
  }>(
    {
      query: `query($id: ID!) { ticket(id: $id) { messages(first: 50) { edges { node { id clientMessageId } } } } }`,
      variables: { id: ticketId },
    },
    `Bearer ${t.adminToken}`,
  );
  if (res.errors?.length) throw new Error(JSON.stringify(res.errors));
  return res.data!.ticket.messages.edges.map((e) => e.node);
}
