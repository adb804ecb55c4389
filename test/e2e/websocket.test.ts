import {
  CreateAgentDocument,
  CreateChannelDocument,
  ConversationStylesDocument,
} from '../generated/operations';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, wsExecute } from '../support/ws-client';

let t: TestApp;
let agentToken: string;
let integrationToken: string;

beforeAll(async () => {
  t = await startTestApp();
  agentToken = (
    await t.client.ok(
      CreateAgentDocument,
      { input: { name: 'Socket', email: 'ws@example.com' } },
      t.adminToken,
    )
  ).createAgent.token;
  const { conversationStyles } = await t.client.ok(ConversationStylesDocument, {}, t.adminToken);
  integrationToken = (
    await t.client.ok(
      CreateChannelDocument,
      { input: { kind: 'MESSENGER', name: 'Messenger', styleId: conversationStyles[0]!.id } },
      t.adminToken,
    )
  ).createChannel.token;
});
afterAll(() => t.close());

describe('graphql-ws at /graphql', () => {
  it.each([
    ['admin', () => t.adminToken],
    ['agent', () => agentToken],
    ['integration', () => integrationToken],
  ])(
    'acknowledges a connection with a good %s token and runs operations as that caller',
    async (_role, token) => {
      const ws = connectWs(t.wsUrl, `Bearer ${token()}`);
      try {
        await ws.acknowledged;
        const result = await wsExecute<{ conversationStyles: { kind: string }[] }>(
          ws.client,
          '{ conversationStyles { kind } }',
        );
        expect(result.errors).toBeUndefined();
        expect(result.data?.conversationStyles).toHaveLength(3);
      } finally {
        await ws.dispose();
      }
    },
  );

  it('applies the same role rules as HTTP, with the same error codes', async () => {
    const ws = connectWs(t.wsUrl, `Bearer ${integrationToken}`);
    try {
      await ws.acknowledged;
      const result = await wsExecute(ws.client, '{ agents { id } }');
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    } finally {
      await ws.dispose();
    }
  });

  it.each([
    ['a wrong token', 'Bearer prl_agent_nope'],
    ['a malformed header', 'Basic abc'],
    ['no token', undefined],
  ])('closes with 4401 on %s', async (_case, authorization) => {
    const ws = connectWs(t.wsUrl, authorization);
    await expect(ws.acknowledged).rejects.toThrow();
    expect((await ws.closed).code).toBe(4401);
    await ws.dispose();
  });
});
