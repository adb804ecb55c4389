// Apollo Client's development build, as a bundler's dev server gives it to a frontend team: its cache
// warnings (data lost on replacing an object without a merge) are what tell a client it needs a type
// policy, and the suite fails on any. It reads the flag once, when it loads, so this comes first.
import './apollo-development';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type TypePolicies } from '@apollo/client';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev';
import { RetryLink } from '@apollo/client/link/retry';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import type { Client as WsClient } from 'graphql-ws';
import { signedInSocket } from './client-harness';

loadDevMessages();
loadErrorMessages();

/**
 * What a client's InMemoryCache needs for Parley (README "Using Parley from Apollo Client and urql"):
 * connections page with Relay cursors, one list per filter; TicketMetrics has no id, so the metrics a
 * query selects are merged into the ticket's rather than replacing them.
 */
export const typePolicies: TypePolicies = {
  Query: { fields: { tickets: relayStylePagination(['filter']) } },
  Ticket: { fields: { messages: relayStylePagination() } },
  TicketMetrics: { merge: true },
};

export interface ApolloConsole {
  client: ApolloClient;
  ws: WsClient;
  /** Closes the socket and stops the client (a console closed or reloaded). */
  stop(): Promise<void>;
}

/**
 * Apollo Client as the README sets it up: queries and mutations over HTTP (retried on network
 * errors), subscriptions over graphql-ws, the token in the Authorization header and in
 * connectionParams. `fetch` is for tests that stand in for the network.
 */
export function createApolloConsole(options: {
  httpUrl: string;
  wsUrl: string;
  token: string;
  fetch?: typeof fetch;
  clientAwareness?: { name: string; version: string };
}): ApolloConsole {
  const authorization = `Bearer ${options.token}`;
  const ws = signedInSocket(options.wsUrl, authorization);
  const http = ApolloLink.from([
    new RetryLink(),
    new HttpLink({ uri: options.httpUrl, headers: { authorization }, fetch: options.fetch }),
  ]);
  const client = new ApolloClient({
    link: ApolloLink.split(
      ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
      new GraphQLWsLink(ws),
      http,
    ),
    cache: new InMemoryCache({ typePolicies }),
    clientAwareness: options.clientAwareness,
  });
  return {
    client,
    ws,
    async stop() {
      client.stop();
      await ws.dispose();
    },
  };
}
