import WebSocket from 'ws';
import { CreateAgentDocument, QueueStatsDocument } from '../generated/operations';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, subscribeWs, wsExecute } from '../support/ws-client';

let t: TestApp;
let agentToken: string;

beforeAll(async () => {
  t = await startTestApp({
    limits: {
      webSocket: {
        initTimeoutMs: 300,
        maxMessageBytes: 4 * 1024,
        maxSubscriptions: 3,
        subscriberBuffer: 1_000,
      },
    },
  });
  agentToken = (
    await t.client.ok(
      CreateAgentDocument,
      { input: { name: 'Sockets', email: 'sockets@example.com' } },
      t.adminToken,
    )
  ).createAgent.token;
});
afterAll(() => t.close());

/** A bare socket speaking graphql-transport-ws, to do what a well-behaved client would not. */
function rawSocket(): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

describe('WebSocket limits', () => {
  it('closes a socket that never sends connection_init (4408)', async () => {
    const { closed } = await rawSocket();
    expect(await closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });

  it('closes a socket that sends a frame over the size limit (1009), before reading it whole', async () => {
    const { socket, closed } = await rawSocket();
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${agentToken}` } }),
    );
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: `{ me { id } } #${'x'.repeat(8 * 1024)}` },
      }),
    );
    expect((await closed).code).toBe(1009);
  });

  it('refuses subscriptions beyond the limit per connection, keeping the others and the socket', async () => {
    const ws = connectWs(t.wsUrl, `Bearer ${agentToken}`);
    await ws.acknowledged;
    try {
      const live = [1, 2, 3].map(() => subscribeWs(ws.client, QueueStatsDocument, {}));
      await Promise.all(live.map((s) => s.waitFor(1)));
      const fourth = subscribeWs(ws.client, QueueStatsDocument, {});
      await expect(fourth.waitFor(1)).rejects.toThrow('TOO_MANY_SUBSCRIPTIONS');

      // Completing one makes room for another.
      live[0]!.stop();
      const again = subscribeWs(ws.client, QueueStatsDocument, {});
      await again.waitFor(1);
      expect(live[1]!.errors).toEqual([]);
      // A query is an operation too while it runs, but it ends at once: the socket still answers.
      again.stop();
      expect((await wsExecute(ws.client, '{ me { name } }')).data).toEqual({ me: { name: 'Sockets' } });
    } finally {
      await ws.dispose();
    }
  });

  it('answers an invalid or unparsable operation with the codes HTTP uses, not as a server error', async () => {
    const ws = connectWs(t.wsUrl, `Bearer ${agentToken}`);
    await ws.acknowledged;
    try {
      const codes = (query: string) =>
        wsExecute(ws.client, query).then(
          () => [],
          (errors: { extensions?: { code?: string } }[]) => errors.map((e) => e.extensions?.code),
        );
      expect(await codes('{ nope }')).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(await codes('{ me { ')).toEqual(['GRAPHQL_PARSE_FAILED']);
    } finally {
      await ws.dispose();
    }
  });
});
