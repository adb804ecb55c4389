import { ChannelQueueDocument, ChannelQueueStatsDocument, QueueDocument } from '../generated/operations';
import { createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, subscribeWs } from '../support/ws-client';

/**
 * Per-channel queues (issue 19, docs/domain.md "Routing"): `queue(channelId)` and
 * `queueStats(channelId)` give one channel's waiting tickets and the ONLINE agents with the skills
 * that channel requires; the whole queue is unchanged without channelId.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('one channel’s queue', () => {
  let korean: { id: string; token: string };
  let general: { id: string; token: string };

  beforeAll(async () => {
    // Nobody speaks Korean or French: the tickets below wait, and the English speaker takes none.
    await createAgent(t, { skills: ['english'], capacity: 2 });
    korean = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: ['korean'] });
    general = await createChannel(t, 'SOCIAL_MESSAGING');
    for (const user of ['k1', 'k2']) await receive(t, korean, user, '안녕하세요');
    await receive(t, general, 'g1', 'bonjour', { requiredSkills: ['french'] });
  });

  it('counts that channel’s waiting tickets and the agents who could take them', async () => {
    const { queue: k } = await t.client.ok(ChannelQueueDocument, { channelId: korean.id }, t.adminToken);
    expect(k).toMatchObject({ waiting: 2, agentsOnline: 0, spareCapacity: 0 });
    expect(k.oldestWaitingSince).not.toBeNull();
    const { queue: g } = await t.client.ok(ChannelQueueDocument, { channelId: general.id }, t.adminToken);
    expect(g).toMatchObject({ waiting: 1, agentsOnline: 1, spareCapacity: 2 });
    const { queue: all } = await t.client.ok(QueueDocument, {}, t.adminToken);
    expect(all).toMatchObject({ waiting: 3, agentsOnline: 1, spareCapacity: 2 });
    const { queue: none } = await t.client.ok(ChannelQueueDocument, { channelId: null }, t.adminToken);
    expect(none).toEqual(all);
  });

  it.each([
    ['an unknown channel', '00000000-0000-4000-8000-000000000000'],
    ['a malformed id', 'not-an-id'],
  ])('refuses %s with NOT_FOUND', async (_name, channelId) => {
    const res = await t.client.execute(ChannelQueueDocument, { channelId }, t.adminToken);
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
  });

  it('pushes a frame to a channel’s subscribers only when that channel’s figures change', async () => {
    const ws = connectWs(t.wsUrl, `Bearer ${t.adminToken}`);
    await ws.acknowledged;
    try {
      const stats = subscribeWs(ws.client, ChannelQueueStatsDocument, { channelId: korean.id });
      await stats.waitFor(1);
      expect(stats.events[0]!.queueStats).toEqual({ waiting: 2, agentsOnline: 0, spareCapacity: 0 });

      // Another channel's ticket changes the whole queue, not this one.
      await receive(t, general, 'g2', 'salut', { requiredSkills: ['french'] });
      await t.app.services.events.settle();
      await sleep(300);
      expect(stats.events).toHaveLength(1);

      await receive(t, korean, 'k3', '여보세요');
      await stats.waitFor(2);
      expect(stats.events[1]!.queueStats).toEqual({ waiting: 3, agentsOnline: 0, spareCapacity: 0 });
    } finally {
      await ws.dispose();
    }
  });

  it('refuses a subscription to an unknown channel with NOT_FOUND', async () => {
    const ws = connectWs(t.wsUrl, `Bearer ${t.adminToken}`);
    await ws.acknowledged;
    try {
      const stats = subscribeWs(ws.client, ChannelQueueStatsDocument, {
        channelId: '00000000-0000-4000-8000-000000000000',
      });
      await expect(stats.waitFor(1, 3000)).rejects.toThrow('NOT_FOUND');
    } finally {
      await ws.dispose();
    }
  });
});
