import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
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
