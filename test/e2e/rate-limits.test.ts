import type { GraphQLFormattedError } from 'graphql';
import {
  ConversationStylesDocument,
  CreateAgentDocument,
  CreateChannelDocument,
  ReceiveMessageDocument,
  SetAgentStatusDocument,
} from '../generated/operations';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, wsExecute } from '../support/ws-client';

let t: TestApp;
let channelId: string;
let integrationToken: string;
let otherIntegrationToken: string;
let otherChannelId: string;
let agentToken: string;
let n = 0;

beforeAll(async () => {
  // Small buckets, so a test can empty them; the test clock refills them only when moved.
  t = await startTestApp({
    limits: {
      rateLimits: { messages: { perSecond: 2, burst: 3 }, mutations: { perSecond: 1, burst: 2 } },
    },
  });
  const styleId = (await t.client.ok(ConversationStylesDocument, {}, t.adminToken)).conversationStyles[0]!.id;
  const channel = async (name: string) =>
    (await t.client.ok(CreateChannelDocument, { input: { kind: 'WHATSAPP', name, styleId } }, t.adminToken))
      .createChannel;
  ({
    channel: { id: channelId },
    token: integrationToken,
  } = await channel('Busy partner'));
  ({
    channel: { id: otherChannelId },
    token: otherIntegrationToken,
  } = await channel('Quiet partner'));
  agentToken = (
    await t.client.ok(
      CreateAgentDocument,
      { input: { name: 'Clicker', email: 'clicker@example.com' } },
      t.adminToken,
    )
  ).createAgent.token;
});
afterAll(() => t.close());

const message = (channel = channelId) => ({
  input: { channelId: channel, externalUserId: `customer-${++n}`, body: 'hi', externalMessageId: `m-${n}` },
});

describe('rate limits per token', () => {
  it('refuses receiveMessage over the burst with 429, a retry hint, and nothing written; then accepts again', async () => {
    for (let i = 0; i < 3; i++) await t.client.ok(ReceiveMessageDocument, message(), integrationToken);

    const before = await t.snapshot();
    const refused = await t.client.execute(ReceiveMessageDocument, message(), integrationToken);
    expect(refused.status).toBe(429);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.errors![0]!.extensions!.retryAfterSeconds).toBe(1);
    expect(refused.data).toBeUndefined();
    expect(await t.snapshot()).toEqual(before);

    // Another partner's token has a bucket of its own.
    await t.client.ok(ReceiveMessageDocument, message(otherChannelId), otherIntegrationToken);

    // The hint is honest: after it, the same request is accepted.
    t.clock.advance(1);
    await t.client.ok(ReceiveMessageDocument, message(), integrationToken);
  });

  it('sends Retry-After on the HTTP refusal', async () => {
    t.clock.advance(10);
    for (let i = 0; i < 3; i++) await t.client.ok(ReceiveMessageDocument, message(), integrationToken);
    const res = await t.client.rawResponse(
      {
        query: 'mutation($input: ReceiveMessageInput!) { receiveMessage(input: $input) { message { id } } }',
        variables: message(),
      },
      `Bearer ${integrationToken}`,
    );
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
  });

  it('counts every root field of an operation, and refuses one that can never fit', async () => {
    t.clock.advance(10);
    const before = await t.snapshot();
    const res = await t.client.raw(
      {
        query: `mutation {
          a: setAgentStatus(status: ONLINE) { id }
          b: setAgentStatus(status: AWAY) { id }
          c: setAgentStatus(status: OFFLINE) { id }
        }`,
      },
      `Bearer ${agentToken}`,
    );
    expect(errorCodes(res)).toEqual(['RATE_LIMITED']);
    expect(res.errors![0]!.extensions!.retryAfterSeconds).toBeUndefined();
    expect(await t.snapshot()).toEqual(before);
    await t.client.ok(SetAgentStatusDocument, { status: 'AWAY' }, agentToken);
  });

  it('limits other mutations on their own bucket, over WebSocket too', async () => {
    t.clock.advance(10);
    const ws = connectWs(t.wsUrl, `Bearer ${agentToken}`);
    await ws.acknowledged;
    try {
      const set = (status: string) =>
        wsExecute(ws.client, `mutation { setAgentStatus(status: ${status}) { status } }`).catch(
          (errors: GraphQLFormattedError[]) => ({ errors }),
        );
      // Never ONLINE: routing would offer it the waiting tickets, and their jobs would change the
      // database while the test compares it.
      expect((await set('OFFLINE')).errors).toBeUndefined();
      expect((await set('AWAY')).errors).toBeUndefined();
      const before = await t.snapshot();
      const refused = await set('OFFLINE');
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
      expect(refused.errors![0]!.extensions!.retryAfterSeconds).toBe(1);
      expect(await t.snapshot()).toEqual(before);
      // Queries are never limited.
      expect((await wsExecute(ws.client, '{ me { status } }')).data).toEqual({ me: { status: 'AWAY' } });
    } finally {
      await ws.dispose();
    }
  });

  it('does not limit the admin token', async () => {
    for (let i = 0; i < 10; i++) await t.client.ok(ReceiveMessageDocument, message(), t.adminToken);
  });
});
