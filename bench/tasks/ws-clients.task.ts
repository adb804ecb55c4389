import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { nowMs, summarize, type LatencySummary } from '../lib/stats';

/** Subscribers (P3) and idle connections (P6), many sockets in one load process. */

interface Subscriber {
  close(): void;
}

const subscribers: Subscriber[] = [];
let latencies: number[] = [];
let received = 0;
let firstAt = Number.NaN;
let lastAt = Number.NaN;
let errors = 0;
let firstError: string | undefined;

function record(body: unknown): void {
  const at = nowMs();
  const sentAt = typeof body === 'string' ? Number(body.slice(body.lastIndexOf(':') + 1)) : Number.NaN;
  received++;
  if (Number.isFinite(sentAt)) latencies.push(at - sentAt);
  if (!(firstAt <= at)) firstAt = at;
  lastAt = at;
}

function fail(err: unknown): void {
  errors++;
  firstError ??= err instanceof Error ? err.message : JSON.stringify(err);
}

export function graphqlClient(url: string, authorization: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization },
      on: {
        connected: () => resolve(client),
        closed: (event) => reject(new Error(`closed ${(event as { code: number }).code}`)),
      },
      onNonLazyError: reject,
    });
  });
}

async function inBatches<T>(count: number, batch: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < count; start += batch) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(batch, count - start) }, (_, k) => open(start + k)),
      )),
    );
  }
  return out;
}

export interface SubscribeArgs {
  mode: 'graphql' | 'raw';
  url: string;
  authorization: string;
  count: number;
  /** Subscriber i listens to topics[i % topics.length] (a ticket id). */
  topics: string[];
  /** graphql mode: the subscription document, with a `$ticketId` variable. */
  query?: string;
}

export async function subscribe(args: SubscribeArgs): Promise<{ open: number }> {
  await inBatches(args.count, 100, async (i) => {
    const topic = args.topics[i % args.topics.length]!;
    if (args.mode === 'raw') {
      const socket = new WebSocket(`${args.url}/?topic=${encodeURIComponent(topic)}`);
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as {
          payload: { data: { messageAdded: { body: string } } };
        };
        record(frame.payload.data.messageAdded.body);
      });
      subscribers.push({ close: () => socket.close() });
      return;
    }
    const client = await graphqlClient(args.url, args.authorization);
    const dispose = client.subscribe<{ messageAdded: { body: string } }>(
      { query: args.query!, variables: { ticketId: topic } },
      {
        next: (value) => {
          if (value.errors) fail(value.errors);
          else record(value.data?.messageAdded.body);
        },
        error: fail,
        complete: () => undefined,
      },
    );
    subscribers.push({
      close: () => {
        dispose();
        void client.dispose();
      },
    });
  });
  return { open: subscribers.length };
}

export interface DeliveryStats {
  received: number;
  errors: number;
  firstError?: string;
  firstAt: number;
  lastAt: number;
  latency: LatencySummary;
}

export function deliveryStats(args: { reset: boolean }): DeliveryStats {
  const stats = { received, errors, firstError, firstAt, lastAt, latency: summarize(latencies) };
  if (args.reset) {
    latencies = [];
    received = 0;
    errors = 0;
    firstError = undefined;
    firstAt = Number.NaN;
    lastAt = Number.NaN;
  }
  return stats;
}

/** P6: authenticated graphql-ws connections that only stay open. */
export async function openIdle(args: {
  url: string;
  authorization: string;
  count: number;
}): Promise<{ open: number }> {
  await inBatches(args.count, 200, async () => {
    const client = await graphqlClient(args.url, args.authorization);
    subscribers.push({ close: () => void client.dispose() });
  });
  return { open: subscribers.length };
}

export function closeAll(): { closed: number } {
  const closed = subscribers.length;
  for (const s of subscribers.splice(0)) s.close();
  deliveryStats({ reset: true });
  return { closed };
}
