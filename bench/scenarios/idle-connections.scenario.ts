import { setTimeout as sleep } from 'node:timers/promises';
import type { Row, Scenario } from '../lib/scenario';

const STEPS = [1000, 5000];
const LIMIT_BYTES = 50 * 1024;

export const idleConnections: Scenario = {
  id: 'P6',
  title: 'Memory of idle authenticated WebSocket connections',
  async run(ctx) {
    const clients = ctx.worker('p6 clients');
    const settle = async (): Promise<number> => {
      await sleep(3000);
      return ctx.parley.rss();
    };
    const before = await settle();
    const rows: Row[] = [];
    let open = 0;
    for (const count of STEPS) {
      await clients.call('openIdle', {
        url: ctx.parley.wsUrl,
        authorization: `Bearer ${ctx.parley.adminToken}`,
        count: count - open,
      });
      open = count;
      const rss = await settle();
      const perConnection = (rss - before) / count;
      ctx.log(`P6 ${count}: ${(perConnection / 1024).toFixed(1)} KB per connection`);
      rows.push({
        label: `${count} idle connections`,
        parley: { value: perConnection / 1024, unit: 'KB per connection' },
        target: '≤ 50 KB per connection',
        met: perConnection <= LIMIT_BYTES,
      });
    }
    await clients.call('closeAll', undefined);
    return {
      id: this.id,
      title: this.title,
      rows,
      notes: [
        `graphql-ws connections acknowledged with an admin token, no subscriptions, opened from one load process. Per connection: (server RSS with them open − RSS before) ÷ count, each read 3 s after the last connection opened. RSS before: ${(before / 1048576).toFixed(0)} MB.`,
      ],
    };
  },
};
