import {
  AgentsDocument,
  ChannelsDocument,
  ConversationStylesDocument,
  CreateAgentDocument,
  CreateChannelDocument,
  CreateConversationStyleDocument,
  MeDocument,
  RoutingSettingsDocument,
  RoutingSettingsIdentityDocument,
  UpdateRoutingSettingsIdentityDocument,
  SetAgentStatusDocument,
  SetAgentStatusOfDocument,
  UpdateAgentDocument,
  UpdateChannelDocument,
  UpdateConversationStyleDocument,
  UpdateRoutingSettingsDocument,
} from '../generated/operations';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('an admin configures Parley through GraphQL', () => {
  it('has the three built-in conversation styles and default routing settings after the first start', async () => {
    const { conversationStyles } = await t.client.ok(ConversationStylesDocument, {}, t.adminToken);
    expect(
      conversationStyles.map(({ kind, closeAfterSolvedSeconds, reopensOnReply }) => ({
        kind,
        closeAfterSolvedSeconds,
        reopensOnReply,
      })),
    ).toEqual([
      { kind: 'LIVE_CHAT', closeAfterSolvedSeconds: 0, reopensOnReply: false },
      { kind: 'LIVE_CHAT_RETURNING', closeAfterSolvedSeconds: 3600, reopensOnReply: true },
      { kind: 'SOCIAL_MESSAGING', closeAfterSolvedSeconds: 345600, reopensOnReply: true },
    ]);
    const { routingSettings } = await t.client.ok(RoutingSettingsDocument, {}, t.adminToken);
    expect(routingSettings).toEqual({ offerTimeoutSeconds: 30, autoAccept: false });
  });

  it('creates an agent whose token signs it in, with normalised skills and default capacity', async () => {
    const { createAgent } = await t.client.ok(
      CreateAgentDocument,
      {
        input: {
          name: '  Mina Park ',
          email: 'Mina@Example.com',
          skills: [' Korean', 'korean', 'BILLING', 'vip_support'],
        },
      },
      t.adminToken,
    );
    expect(createAgent.agent).toMatchObject({
      name: 'Mina Park',
      email: 'Mina@Example.com',
      status: 'OFFLINE',
      skills: ['korean', 'billing', 'vip_support'],
      capacity: 2,
      lastAssignedAt: null,
    });
    expect(createAgent.token).toMatch(/^prl_agent_/);

    const { me } = await t.client.ok(MeDocument, {}, createAgent.token);
    expect(me?.id).toBe(createAgent.agent.id);

    const { setAgentStatus } = await t.client.ok(
      SetAgentStatusDocument,
      { status: 'ONLINE' },
      createAgent.token,
    );
    expect(setAgentStatus.status).toBe('ONLINE');

    const { updateAgent } = await t.client.ok(
      UpdateAgentDocument,
      { id: createAgent.agent.id, input: { capacity: 0, skills: [] } },
      t.adminToken,
    );
    expect(updateAgent).toMatchObject({ name: 'Mina Park', capacity: 0, skills: [], status: 'ONLINE' });

    const { setAgentStatusOf } = await t.client.ok(
      SetAgentStatusOfDocument,
      { agentId: createAgent.agent.id, status: 'AWAY' },
      t.adminToken,
    );
    expect(setAgentStatusOf.status).toBe('AWAY');

    const { agents } = await t.client.ok(AgentsDocument, {}, createAgent.token);
    expect(agents.map((a) => a.id)).toContain(createAgent.agent.id);
  });

  it('returns null for `me` when the caller is not an agent', async () => {
    const { me } = await t.client.ok(MeDocument, {}, t.adminToken);
    expect(me).toBeNull();
  });

  it('creates and edits conversation styles, and channels that point at them', async () => {
    const { createConversationStyle: style } = await t.client.ok(
      CreateConversationStyleDocument,
      { input: { name: 'Social, 14 days', kind: 'SOCIAL_MESSAGING', closeAfterSolvedSeconds: 1_209_600 } },
      t.adminToken,
    );
    expect(style).toMatchObject({
      kind: 'SOCIAL_MESSAGING',
      closeAfterSolvedSeconds: 1_209_600,
      reopensOnReply: true,
    });

    const { createConversationStyle: defaulted } = await t.client.ok(
      CreateConversationStyleDocument,
      { input: { name: 'Returning, default', kind: 'LIVE_CHAT_RETURNING' } },
      t.adminToken,
    );
    expect(defaulted.closeAfterSolvedSeconds).toBe(3600);

    const { updateConversationStyle } = await t.client.ok(
      UpdateConversationStyleDocument,
      { id: style.id, input: { name: 'Social, 2 weeks', closeAfterSolvedSeconds: 2_419_200 } },
      t.adminToken,
    );
    expect(updateConversationStyle).toMatchObject({
      name: 'Social, 2 weeks',
      closeAfterSolvedSeconds: 2_419_200,
    });

    const { createChannel } = await t.client.ok(
      CreateChannelDocument,
      {
        input: { kind: 'KAKAOTALK', name: 'KakaoTalk Seoul', styleId: style.id, requiredSkills: ['Korean'] },
      },
      t.adminToken,
    );
    expect(createChannel.token).toMatch(/^prl_int_/);
    expect(createChannel.channel).toMatchObject({
      kind: 'KAKAOTALK',
      name: 'KakaoTalk Seoul',
      requiredSkills: ['korean'],
      style: { id: style.id, name: 'Social, 2 weeks' },
    });

    const { updateChannel } = await t.client.ok(
      UpdateChannelDocument,
      { id: createChannel.channel.id, input: { styleId: defaulted.id, requiredSkills: [] } },
      t.adminToken,
    );
    expect(updateChannel).toMatchObject({ requiredSkills: [], style: { id: defaulted.id } });

    // An integration sees its own channel only.
    const { createChannel: other } = await t.client.ok(
      CreateChannelDocument,
      { input: { kind: 'WEB_WIDGET', name: 'Website', styleId: defaulted.id } },
      t.adminToken,
    );
    const asIntegration = await t.client.ok(ChannelsDocument, {}, createChannel.token);
    expect(asIntegration.channels.map((c) => c.id)).toEqual([createChannel.channel.id]);
    const asAdmin = await t.client.ok(ChannelsDocument, {}, t.adminToken);
    expect(asAdmin.channels.map((c) => c.id)).toEqual(
      expect.arrayContaining([createChannel.channel.id, other.channel.id]),
    );
  });

  // A normalised cache (Apollo Client, urql's graphcache) keys an object by its id: without one,
  // a client's cached settings stayed stale after updateRoutingSettings.
  it('gives the routing settings one id, the same from the query and the update', async () => {
    const before = await t.client.ok(RoutingSettingsIdentityDocument, {}, t.adminToken);
    const { updateRoutingSettings } = await t.client.ok(
      UpdateRoutingSettingsIdentityDocument,
      { input: { autoAccept: !before.routingSettings.autoAccept } },
      t.adminToken,
    );
    expect(before.routingSettings.id).toEqual(expect.any(String));
    expect(updateRoutingSettings).toEqual({
      id: before.routingSettings.id,
      autoAccept: !before.routingSettings.autoAccept,
    });
    await t.client.ok(
      UpdateRoutingSettingsIdentityDocument,
      { input: { autoAccept: before.routingSettings.autoAccept } },
      t.adminToken,
    );
  });

  it('updates routing settings', async () => {
    const { updateRoutingSettings } = await t.client.ok(
      UpdateRoutingSettingsDocument,
      { input: { offerTimeoutSeconds: 45, autoAccept: true } },
      t.adminToken,
    );
    expect(updateRoutingSettings).toEqual({ offerTimeoutSeconds: 45, autoAccept: true });
    const { routingSettings } = await t.client.ok(RoutingSettingsDocument, {}, t.adminToken);
    expect(routingSettings).toEqual({ offerTimeoutSeconds: 45, autoAccept: true });
  });
});
