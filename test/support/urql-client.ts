import { cacheExchange, Client, fetchExchange, subscriptionExchange } from '@urql/core';
import type { Client as WsClient } from 'graphql-ws';
import { signedInSocket } from './client-harness';

export interface UrqlConsole {
  client: Client;
  ws: WsClient;
  /** Closes the socket (a console closed or reloaded); urql's client holds nothing else open. */
  stop(): Promise<void>;
}

/**
 * urql as the README sets it up: its default document cache and fetchExchange (queries as GET
 * within the URL limit), subscriptions over graphql-ws, the token in the Authorization header and
 * in connectionParams. `fetch` is for tests that stand in for the network.
 */
export function createUrqlConsole(options: {
  httpUrl: string;
  wsUrl: string;
  token: string;
  fetch?: typeof fetch;
}): UrqlConsole {
  const authorization = `Bearer ${options.token}`;
  const ws = signedInSocket(options.wsUrl, authorization);
  const client = new Client({
    url: options.httpUrl,
    fetch: options.fetch,
    fetchOptions: () => ({ headers: { authorization } }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return { subscribe: (sink) => ({ unsubscribe: ws.subscribe(input, sink) }) };
        },
      }),
    ],
  });
  return { client, ws, stop: () => ws.dispose() as Promise<void> };
}
