import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ratioRow, type BenchContext, type Row, type Scenario } from '../lib/scenario';
import { createChannel, openTickets, RECEIVE_MESSAGE } from '../lib/setup';
import type { Worker } from '../lib/worker';
import type { WebhookStats } from '../tasks/webhook.task';

const ENDPOINTS = 10;
const TICKETS = 100;
const WARMUP_MESSAGES = 20;
const BURST_MESSAGES = 1000;
const BURST_CLIENTS = 8;
const PACED_MESSAGES = 200;
const PACED_INTERVAL_MS = 50;
// Parley's sender has at most 64 requests in flight per process (8 per endpoint): the raw loop too.
const RAW_CONCURRENCY = 64;
const WAIT_MS = 180_000;

const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id } }
}`;

/** Until the receiver has taken `expected` deliveries since its last reset. */
async function received(receiver: Worker, expected: number): Promise<WebhookStats> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const stats = await receiver.call('webhookStats', { reset: false });
    if (stats.received >= expected) return stats;
    if (performance.now() > deadline)
      throw new Error(`P8: the receiver took ${stats.received} of ${expected} deliveries`);
    await sleep(100);
  }
}

function checked(stats: WebhookStats, what: string): WebhookStats {
  if (stats.badSignatures > 0 || stats.duplicates > 0)
    throw new Error(`P8 ${what}: ${stats.badSignatures} bad signatures, ${stats.duplicates} duplicates`);
  return stats;
}

/** Deliveries per second from the first change's commit to the last 2xx. */
const rate = (stats: WebhookStats): number => stats.received / ((stats.lastAt - stats.firstMadeAt) / 1000);

export const webhooks: Scenario = {
  id: 'P8',
  title:
    'Webhook deliveries from commit to a loopback receiver’s 2xx, 10 endpoints, vs a raw loop of signed POSTs',
  async run(ctx: BenchContext) {
    const admin = ctx.parley.adminToken;
    // No agent has this skill: the changes are the messages alone, nothing routes.
    const channel = await createChannel(ctx.gql, admin, 'SOCIAL_MESSAGING', { requiredSkills: ['p8'] });
    const users = Array.from({ length: TICKETS }, (_, i) => `p8-user-${i}`);
    await openTickets(ctx.gql, channel, users);

    const receiver = ctx.worker('p8 receiver');
    const { port } = await receiver.call('webhookReceiver', undefined);
    const secrets: Record<string, string> = {};
    const endpointIds: string[] = [];
    for (let i = 0; i < ENDPOINTS; i++) {
      const { createWebhookEndpoint } = await ctx.gql.request<{
        createWebhookEndpoint: { secret: string; endpoint: { id: string } };
      }>(admin, CREATE_ENDPOINT, {
        input: {
          url: `http://127.0.0.1:${port}/hooks/${i}`,
          channelId: channel.id,
          kinds: ['MESSAGE_ADDED'],
        },
      });
      secrets[`/hooks/${i}`] = createWebhookEndpoint.secret;
      endpointIds.push(createWebhookEndpoint.endpoint.id);
    }
    await receiver.call('webhookSecrets', { secrets });

    let sent = 0;
    const send = (user: string) =>
      ctx.gql.request(channel.token, RECEIVE_MESSAGE, {
        input: { channelId: channel.id, externalUserId: user, body: `p8 message ${++sent}` },
      });
    for (let i = 0; i < WARMUP_MESSAGES; i++) await send(users[i % TICKETS]!);
    const warm = checked(await received(receiver, WARMUP_MESSAGES * ENDPOINTS), 'warm-up');
    await receiver.call('webhookStats', { reset: true });

    // Burst: receiveMessage from 8 clients as fast as they go; the deliveries queue behind them.
    const load = ctx.worker('p8 load');
    const burst = await ctx.measureCpu(async () => {
      const result = await load.call('httpLoad', {
        url: ctx.parley.httpUrl,
        headers: { authorization: `Bearer ${channel.token}` },
        connections: BURST_CLIENTS,
        durationSeconds: 0,
        amount: BURST_MESSAGES,
        plan: {
          kind: 'receiveMessage',
          channelId: channel.id,
          users,
          query: RECEIVE_MESSAGE,
          runId: randomUUID(),
        },
      });
      if (result.errors > 0) throw new Error(`P8 load errors: ${result.firstError}`);
      return received(receiver, BURST_MESSAGES * ENDPOINTS);
    });
    const burstStats = checked(await receiver.call('webhookStats', { reset: true }), 'burst');

    // Paced: a load the engine keeps up with, for the latency a partner sees.
    const paced = await ctx.measureCpu(async () => {
      for (let i = 0; i < PACED_MESSAGES; i++) {
        void send(users[i % TICKETS]!);
        await sleep(PACED_INTERVAL_MS);
      }
      return received(receiver, PACED_MESSAGES * ENDPOINTS);
    });
    const pacedStats = checked(await receiver.call('webhookStats', { reset: true }), 'paced');

    for (const id of endpointIds)
      await ctx.gql.request(admin, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id });

    // Baseline: as many signed POSTs of the same documents to the same receiver, from one process.
    const raw = ctx.worker('p8 raw signed POSTs');
    const baseline = await ctx.measureCpu(async () => {
      const result = await raw.call('signedPostLoop', {
        port,
        secrets,
        template: warm.sample!,
        count: BURST_MESSAGES * ENDPOINTS,
        concurrency: RAW_CONCURRENCY,
      });
      if (result.errors > 0) throw new Error(`P8 baseline errors: ${result.firstError}`);
      return received(receiver, BURST_MESSAGES * ENDPOINTS);
    }, [raw.pid]);
    const rawStats = checked(await receiver.call('webhookStats', { reset: true }), 'baseline');
    await receiver.call('stopWebhookReceiver', undefined);

    ctx.log(
      `P8: ${rate(burstStats).toFixed(0)} deliveries/s (p50 ${burstStats.latency.p50} / p95 ${burstStats.latency.p95} ms) vs ${rate(rawStats).toFixed(0)} raw POSTs/s; paced p50 ${pacedStats.latency.p50} / p95 ${pacedStats.latency.p95} ms`,
    );
    const rows: Row[] = [
      ratioRow(
        `${ENDPOINTS} endpoints, a burst of ${BURST_MESSAGES.toLocaleString('en-US')} messages: delivery rate`,
        { value: rate(burstStats), unit: 'deliveries/s', latency: burstStats.latency, cpu: burst.cpu },
        { value: rate(rawStats), unit: 'POSTs/s', latency: rawStats.latency, cpu: baseline.cpu },
        null,
      ),
      {
        label: `${ENDPOINTS} endpoints, ${1000 / PACED_INTERVAL_MS} msgs/s paced (${(ENDPOINTS * 1000) / PACED_INTERVAL_MS} deliveries/s): latency from commit`,
        parley: {
          value: pacedStats.received,
          unit: 'delivered',
          latency: pacedStats.latency,
          cpu: paced.cpu,
        },
        target: 'none set',
      },
    ];
    return {
      id: this.id,
      title: this.title,
      rows,
      notes: [
        `One channel, ${TICKETS} tickets opened before the endpoints (nothing routes); ${ENDPOINTS} endpoints on it (admin, \`kinds: [MESSAGE_ADDED]\`), each a path of one receiver on 127.0.0.1 in a load process (allowed by \`PARLEY_WEBHOOK_ALLOWED_HOSTS\`; default timeout and retry settings), so each message is ${ENDPOINTS} deliveries. The receiver verifies each signature (HMAC-SHA256, as docs/domain.md documents it), answers 200 at once, and counts each (endpoint, event id) once: 0 duplicates, 0 bad signatures.`,
        `Latency: the receiver's answer minus the document's \`at\` (the change's time, taken in its transaction just before the commit; same machine clock). Rate: deliveries divided by the time from the first change's \`at\` to the last 2xx.`,
        `Burst: ${BURST_MESSAGES.toLocaleString('en-US')} \`receiveMessage\` from ${BURST_CLIENTS} clients (autocannon, as fast as answered) on the ${TICKETS} tickets, then until all ${(BURST_MESSAGES * ENDPOINTS).toLocaleString('en-US')} deliveries are taken: the deliveries queue behind the commits, so its latency includes that backlog. Paced: ${PACED_MESSAGES} messages, one every ${PACED_INTERVAL_MS} ms. After ${WARMUP_MESSAGES} warm-up messages.`,
        `Baseline: one process (undici, keep-alive, ${RAW_CONCURRENCY} requests in flight: Parley's per-process cap) POSTs ${(BURST_MESSAGES * ENDPOINTS).toLocaleString('en-US')} documents copied from a Parley delivery (its \`at\` set as each is made), signed with the path's secret, round-robin over the ${ENDPOINTS} paths, to the same receiver; measured the same way. Its "cores" line counts the loop as the server. The issue sets no target for P8: the rows are informational.`,
      ],
    };
  },
};
