import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import WebSocket from 'ws';

export interface WsConnection {
  client: Client;
  /** Resolves on the server's connection_ack, rejects with the close code if it closes first. */
  acknowledged: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

/** A real graphql-ws client over a real socket; `authorization` goes in connectionParams. */
export function connectWs(url: string, authorization?: string): WsConnection {
  let ack!: () => void;
  let fail!: (err: Error) => void;
  let onClose!: (event: { code: number; reason: string }) => void;
  const acknowledged = new Promise<void>((resolve, reject) => {
    ack = resolve;
    fail = reject;
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClose = resolve));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: authorization === undefined ? {} : { authorization },
    on: {
      connected: () => ack(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClose({ code, reason: String(reason) });
        fail(new Error(`closed with ${code} ${String(reason)}`));
      },
    },
    onNonLazyError: () => undefined,
  });
  return { client, acknowledged, closed, dispose: () => client.dispose() as Promise<void> };
}

/** Runs one query or mutation over the socket. */
export function wsExecute<T>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): Promise<FormattedExecutionResult<T, unknown>> {
  return new Promise((resolve, reject) => {
    let result: FormattedExecutionResult<T, unknown> | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => (result = value),
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error('no result'))),
      },
    );
  });
}

export interface LiveSubscription<T> {
  /** Everything received so far, in order. */
  readonly events: T[];
  readonly errors: unknown[];
  /** Resolves once at least `count` events have arrived (fails the test after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  stop(): void;
}

/** Subscribes with a codegen'd document over a real socket and collects what arrives. */
export function subscribeWs<TData, TVariables extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): LiveSubscription<TData> {
  const events: TData[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  const stop = client.subscribe<TData>(
    { query: print(document), variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) events.push(value.data);
        notify();
      },
      error: (err) => {
        errors.push(err);
        notify();
      },
      complete: notify,
    },
  );
  return {
    events,
    errors,
    stop,
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (events.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(events);
          } else if (errors.length > 0) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`subscription failed: ${JSON.stringify(errors)}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `expected ${count} events within ${timeoutMs} ms, got ${events.length}: ${JSON.stringify(events)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Waits until the server has `count` live subscriptions, so nothing is published before they listen. */
export async function waitForSubscribers(
  count: () => number,
  expected: number,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (count() < expected) {
    if (performance.now() > deadline)
      throw new Error(`only ${count()} of ${expected} subscriptions became live`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Subscribes once every change committed so far has been delivered (events travel through
 * PostgreSQL NOTIFY, so a change made just before could otherwise arrive after the subscription
 * starts), and returns when the server has the subscription live.
 */
export async function subscribeLive<TData, TVariables extends Record<string, unknown>>(
  events: { settle(): Promise<void>; subscriberCount(): number },
  client: Client,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<LiveSubscription<TData>> {
  await events.settle();
  const before = events.subscriberCount();
  const live = subscribeWs(client, document, variables);
  await waitForSubscribers(() => events.subscriberCount(), before + 1);
  return live;
}

/** Authenticated sockets opened during a test, all closed by `closeAll()` (call it in afterEach). */
export class SocketPool {
  private open: WsConnection[] = [];

  constructor(private readonly url: () => string) {}

  async connect(token: string): Promise<WsConnection> {
    const ws = connectWs(this.url(), `Bearer ${token}`);
    this.open.push(ws);
    await ws.acknowledged;
    return ws;
  }

  async closeAll(): Promise<void> {
    const closing = this.open;
    this.open = [];
    await Promise.all(closing.map((ws) => ws.dispose()));
  }
}
