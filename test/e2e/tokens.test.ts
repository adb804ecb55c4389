import {
  AgentTokensDocument,
  ChannelTokensDocument,
  ConversationStylesDocument,
  CreateAgentDocument,
  CreateChannelDocument,
  MeDocument,
  ReceiveMessageDocument,
  RevokeTokenDocument,
  RotateAgentTokenDocument,
  RotateChannelTokenDocument,
} from '../generated/operations';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, wsExecute } from '../support/ws-client';

let a: TestApp;
// A second server process on the same database: a revocation made on one reaches sockets on both.
let b: TestApp;
let styleId: string;
let n = 0;

beforeAll(async () => {
  a = await startTestApp();
  b = await startTestApp({ db: a.db, clock: a.clock });
  styleId = (await a.client.ok(ConversationStylesDocument, {}, a.adminToken)).conversationStyles[0]!.id;
});
afterAll(async () => {
  await b.close();
  await a.close();
});

async function newAgent() {
  const i = ++n;
  const { createAgent } = await a.client.ok(
    CreateAgentDocument,
    { input: { name: `Token ${i}`, email: `token${i}@example.com` } },
    a.adminToken,
  );
  return { id: createAgent.agent.id, token: createAgent.token };
}

async function newChannel() {
  const { createChannel } = await a.client.ok(
    CreateChannelDocument,
    { input: { kind: 'LINE', name: `Line ${++n}`, styleId } },
    a.adminToken,
  );
  return { id: createChannel.channel.id, token: createChannel.token };
}

async function tokensOf(agentId: string) {
  return (await a.client.ok(AgentTokensDocument, { id: agentId }, a.adminToken)).agent!.tokens;
}

describe('revokeToken', () => {
  it('makes the token fail at once on HTTP, on either process, and is recorded', async () => {
    const agent = await newAgent();
    const [issued] = await tokensOf(agent.id);
    expect(issued).toMatchObject({ kind: 'AGENT', revokedAt: null });

    const { revokeToken } = await a.client.ok(RevokeTokenDocument, { id: issued!.id }, a.adminToken);
    expect(revokeToken.revokedAt).toBe(a.clock.now().toISOString());

    for (const server of [a, b]) {
      const res = await server.client.execute(MeDocument, {}, agent.token);
      expect(res.status).toBe(401);
      expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    }
    expect(await tokensOf(agent.id)).toEqual([revokeToken]);
  });

  it('closes the sockets signed in with the token, on every process, and no others', async () => {
    const agent = await newAgent();
    const other = await newAgent();
    const [issued] = await tokensOf(agent.id);
    const onA = connectWs(a.wsUrl, `Bearer ${agent.token}`);
    const onB = connectWs(b.wsUrl, `Bearer ${agent.token}`);
    const bystander = connectWs(b.wsUrl, `Bearer ${other.token}`);
    await Promise.all([onA.acknowledged, onB.acknowledged, bystander.acknowledged]);
    try {
      await a.client.ok(RevokeTokenDocument, { id: issued!.id }, a.adminToken);
      expect(await onA.closed).toEqual({ code: 4401, reason: 'Token revoked' });
      expect(await onB.closed).toEqual({ code: 4401, reason: 'Token revoked' });
      const still = await wsExecute<{ me: { id: string } }>(bystander.client, '{ me { id } }');
      expect(still.data?.me.id).toBe(other.id);

      // Reconnecting with it is refused like any wrong token.
      const again = connectWs(a.wsUrl, `Bearer ${agent.token}`);
      await expect(again.acknowledged).rejects.toThrow('closed with 4401');
    } finally {
      await Promise.all([onA.dispose(), onB.dispose(), bystander.dispose()]);
    }
  });

  it('changes nothing for a token already revoked, and refuses unknown ids', async () => {
    const agent = await newAgent();
    const [issued] = await tokensOf(agent.id);
    const first = await a.client.ok(RevokeTokenDocument, { id: issued!.id }, a.adminToken);
    a.clock.advance(60);
    const before = await a.snapshot();
    const second = await a.client.ok(RevokeTokenDocument, { id: issued!.id }, a.adminToken);
    expect(second.revokeToken).toEqual(first.revokeToken);
    expect(await a.snapshot()).toEqual(before);

    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const res = await a.client.execute(RevokeTokenDocument, { id }, a.adminToken);
      expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    }
    expect(await a.snapshot()).toEqual(before);
  });
});

describe('rotateAgentToken', () => {
  it('issues a working token and revokes the old one, closing its sockets', async () => {
    const agent = await newAgent();
    const socket = connectWs(b.wsUrl, `Bearer ${agent.token}`);
    await socket.acknowledged;
    a.clock.advance(1); // the new token is listed first, newest first
    try {
      const { rotateAgentToken } = await a.client.ok(
        RotateAgentTokenDocument,
        { agentId: agent.id },
        a.adminToken,
      );
      expect(rotateAgentToken.token).toMatch(/^prl_agent_/);
      expect(rotateAgentToken.revokedTokens).toHaveLength(1);
      expect(rotateAgentToken.apiToken).toMatchObject({ kind: 'AGENT', revokedAt: null });
      expect(await socket.closed).toEqual({ code: 4401, reason: 'Token revoked' });

      expect(errorCodes(await a.client.execute(MeDocument, {}, agent.token))).toEqual(['UNAUTHENTICATED']);
      const me = await a.client.ok(MeDocument, {}, rotateAgentToken.token);
      expect(me.me?.id).toBe(agent.id);
      expect((await tokensOf(agent.id)).map((t) => t.id)).toEqual([
        rotateAgentToken.apiToken.id,
        rotateAgentToken.revokedTokens[0]!.id,
      ]);
    } finally {
      await socket.dispose();
    }
  });

  it('can keep the old token valid for a switch-over without downtime', async () => {
    const agent = await newAgent();
    const { rotateAgentToken } = await a.client.ok(
      RotateAgentTokenDocument,
      { agentId: agent.id, revokeExisting: false },
      a.adminToken,
    );
    expect(rotateAgentToken.revokedTokens).toEqual([]);
    for (const token of [agent.token, rotateAgentToken.token]) {
      expect((await a.client.ok(MeDocument, {}, token)).me?.id).toBe(agent.id);
    }
  });

  it('refuses an unknown agent and changes nothing', async () => {
    const before = await a.snapshot();
    const res = await a.client.execute(
      RotateAgentTokenDocument,
      { agentId: '00000000-0000-4000-8000-000000000000' },
      a.adminToken,
    );
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    expect(await a.snapshot()).toEqual(before);
  });
});

describe('rotateChannelToken', () => {
  it("replaces the integration's token: the old one can no longer deliver messages", async () => {
    const channel = await newChannel();
    a.clock.advance(1);
    const { rotateChannelToken } = await a.client.ok(
      RotateChannelTokenDocument,
      { channelId: channel.id },
      a.adminToken,
    );
    expect(rotateChannelToken.token).toMatch(/^prl_int_/);
    const input = { channelId: channel.id, externalUserId: 'rotating-customer', body: 'hello' };

    const before = await a.snapshot();
    const refused = await a.client.execute(ReceiveMessageDocument, { input }, channel.token);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(await a.snapshot()).toEqual(before);

    await a.client.ok(ReceiveMessageDocument, { input }, rotateChannelToken.token);
    const { channels } = await a.client.ok(ChannelTokensDocument, {}, a.adminToken);
    const tokens = channels.find((c) => c.id === channel.id)!.tokens!;
    expect(tokens.map((t) => [t.kind, t.revokedAt === null])).toEqual([
      ['INTEGRATION', true],
      ['INTEGRATION', false],
    ]);
  });
});

describe('who may see and manage tokens', () => {
  it('lets only admins read tokens or revoke and rotate them', async () => {
    const agent = await newAgent();
    const channel = await newChannel();
    const [issued] = await tokensOf(agent.id);
    const before = await a.snapshot();
    for (const token of [agent.token, channel.token]) {
      expect(errorCodes(await a.client.execute(RevokeTokenDocument, { id: issued!.id }, token))).toEqual([
        'FORBIDDEN',
      ]);
      expect(
        errorCodes(await a.client.execute(RotateAgentTokenDocument, { agentId: agent.id }, token)),
      ).toEqual(['FORBIDDEN']);
      expect(
        errorCodes(await a.client.execute(RotateChannelTokenDocument, { channelId: channel.id }, token)),
      ).toEqual(['FORBIDDEN']);
    }
    const asAgent = await a.client.execute(AgentTokensDocument, { id: agent.id }, agent.token);
    expect(errorCodes(asAgent)).toEqual(['FORBIDDEN']);
    expect(await a.snapshot()).toEqual(before);
  });
});
