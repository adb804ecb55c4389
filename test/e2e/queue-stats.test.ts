import { QueueStatsDocument, ReceiveMessageDocument } from '../generated/operations';
import { createChannel } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, subscribeWs, waitForSubscribers } from '../support/ws-client';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('queueStats', () => {
  it('folds a burst into at most one frame per 100 ms, and ends on the right figures', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const ws = connectWs(t.wsUrl, `Bearer ${t.adminToken}`);
    await ws.acknowledged;
    try {
      await t.app.services.events.settle();
      const before = t.app.services.events.subscriberCount();
      const stats = subscribeWs(ws.client, QueueStatsDocument, {});
      await stats.waitFor(1);
      await waitForSubscribers(() => t.app.services.events.subscriberCount(), before + 1);
      expect(stats.events[0]!.queueStats).toEqual({ waiting: 0, agentsOnline: 0, spareCapacity: 0 });

      const started = performance.now();
      const burst = 150;
      await Promise.all(
        Array.from({ length: burst }, (_, i) =>
          t.client.ok(
            ReceiveMessageDocument,
            { input: { channelId: channel.id, externalUserId: `q-${i}`, body: 'hi' } },
            channel.token,
          ),
        ),
      );
      const deadline = performance.now() + 5000;
      while (stats.events.at(-1)!.queueStats.waiting !== burst && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const elapsed = performance.now() - started;
      expect(stats.events.at(-1)!.queueStats).toEqual({ waiting: burst, agentsOnline: 0, spareCapacity: 0 });
      // One frame at once, then at most one per 100 ms while the burst lasts (whatever its length).
      const frames = stats.events.length - 1;
      expect(frames).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1);
      expect(frames).toBeLessThan(burst);
    } finally {
      await ws.dispose();
    }
  });
});
