import { setTimeout as sleep } from 'node:timers/promises';
import type { CpuShare } from '../lib/cpu';
import { ratioRow, type BenchContext, type Measured, type Row, type Scenario } from '../lib/scenario';
import { createChannel, openTickets } from '../lib/setup';
import { nowMs } from '../lib/stats';
import type { Worker } from '../lib/worker';
import type { DeliveryStats } from '../tasks/ws-clients.task';

const SUBSCRIBERS = 1000;
const PACED_MESSAGES = 40;
const PACED_INTERVAL_MS = 100;
const BURST_MESSAGES = 200;
const PUBLISHERS = 4;

const SUBSCRIPTION = `subscription($ticketId: ID!) {
  messageAdded(ticketId: $ticketId) { id sequence body authorType createdAt }
}`;
const SEND = `mutation($ticketId: ID!, $body: String!) { sendMessage(ticketId: $ticketId, body: $body) { id } }`;

type Publish = (topic: string, body: string) => Promise<void>;

interface Phases {
  latency: Measured;
  rate: Measured;
}

/** Until every subscriber has seen at least one message, the subscriptions are not all live yet. */
async function warmUp(subs: Worker, publish: Publish, topics: string[]): Promise<void> {
  for (let round = 0; round < 100; round++) {
    await Promise.all(topics.map((t) => publish(t, `warm-up:${nowMs()}`)));
    await sleep(300);
    const seen = await subs.call('deliveryStats', { reset: false });
    if (seen.received >= SUBSCRIBERS) break;
  }
  await sleep(500);
  await subs.call('deliveryStats', { reset: true });
}

async function waitFor(subs: Worker, expected: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { received } = await subs.call('deliveryStats', { reset: false });
    if (received >= expected) return;
    await sleep(100);
  }
}

/** Paced: a steady trickle well under saturation; what a subscriber waits for a message. */
async function pacedPhase(
  ctx: BenchContext,
  subs: Worker,
  publish: Publish,
  topics: string[],
  server?: number[],
): Promise<{ result: DeliveryStats; cpu: CpuShare | undefined }> {
  const perMessage = SUBSCRIBERS / topics.length;
  return ctx.measureCpu(async () => {
    for (let i = 0; i < PACED_MESSAGES; i++) {
      void publish(topics[i % topics.length]!, `paced:${nowMs()}`);
      await sleep(PACED_INTERVAL_MS);
    }
    await waitFor(subs, PACED_MESSAGES * perMessage);
    return subs.call('deliveryStats', { reset: true });
  }, server);
}

async function phases(
  ctx: BenchContext,
  subs: Worker,
  publish: Publish,
  topics: string[],
  server?: number[],
): Promise<Phases> {
  await warmUp(subs, publish, topics);
  const perMessage = SUBSCRIBERS / topics.length;

  const paced = await pacedPhase(ctx, subs, publish, topics, server);

  // Burst: publishers back to back; how many deliveries per second the server sustains.
  const started = nowMs();
  const burst = await ctx.measureCpu(async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: PUBLISHERS }, async () => {
        while (next < BURST_MESSAGES) {
          const i = next++;
          await publish(topics[i % topics.length]!, `burst:${nowMs()}`);
        }
      }),
    );
    await waitFor(subs, BURST_MESSAGES * perMessage);
    return subs.call('deliveryStats', { reset: true });
  }, server);
  for (const r of [paced.result, burst.result])
    if (r.errors > 0) throw new Error(`P3 errors: ${r.firstError}`);
  return {
    latency: {
      value: paced.result.received,
      unit: 'delivered',
      latency: paced.result.latency,
      cpu: paced.cpu,
    },
    rate: {
      value: burst.result.received / ((burst.result.lastAt - started) / 1000),
      unit: 'deliveries/s',
      latency: burst.result.latency,
      cpu: burst.cpu,
    },
  };
}

async function variant(ctx: BenchContext, ticketCount: number): Promise<Row[]> {
  const admin = ctx.parley.adminToken;
  const channel = await createChannel(ctx.gql, admin, 'LIVE_CHAT_RETURNING', { requiredSkills: ['p3'] });
  const tickets = await openTickets(
    ctx.gql,
    channel,
    Array.from({ length: ticketCount }, (_, i) => `p3-${ticketCount}-${i}`),
  );
  const label = ticketCount === 1 ? 'one ticket' : `${ticketCount} tickets`;

  const subs = ctx.worker(`p3 subscribers (${label})`);
  await subs.call('subscribe', {
    mode: 'graphql',
    url: ctx.parley.wsUrl,
    authorization: `Bearer ${admin}`,
    count: SUBSCRIBERS,
    topics: tickets,
    query: SUBSCRIPTION,
  });
  const parley = await phases(
    ctx,
    subs,
    async (ticketId, body) => {
      await ctx.gql.request(admin, SEND, { ticketId, body });
    },
    tickets,
  );
  await subs.call('closeAll', undefined);

  const rawServer = ctx.worker('p3 raw ws server');
  const { port } = await rawServer.call('rawWsServer', undefined);
  await subs.call('subscribe', {
    mode: 'raw',
    url: `ws://127.0.0.1:${port}`,
    authorization: '',
    count: SUBSCRIBERS,
    topics: tickets,
  });
  let sequence = 0;
  const publishRaw: Publish = async (topic, body) => {
    const res = await fetch(`http://127.0.0.1:${port}/publish`, {
      method: 'POST',
      body: JSON.stringify({
        topic,
        payload: {
          data: {
            messageAdded: {
              id: topic,
              sequence: ++sequence,
              body,
              authorType: 'AGENT',
              createdAt: new Date(nowMs()).toISOString(),
            },
          },
        },
      }),
    });
    await res.text();
  };
  const baseline = await phases(ctx, subs, publishRaw, tickets, [rawServer.pid]);
  await subs.call('closeAll', undefined);
  await subs.stop();
  await rawServer.stop();
  ctx.log(
    `P3 ${label}: p95 ${parley.latency.latency!.p95.toFixed(1)} ms; ${parley.rate.value.toFixed(0)} vs ${baseline.rate.value.toFixed(0)} deliveries/s`,
  );

  const p95 = parley.latency.latency!.p95;
  return [
    {
      label: `${label}: latency, ${1000 / PACED_INTERVAL_MS} msgs/s paced`,
      parley: parley.latency,
      baseline: baseline.latency,
      target: 'p95 ≤ 100 ms',
      met: p95 <= 100,
    },
    ratioRow(
      `${label}: delivery rate, ${PUBLISHERS} publishers back to back`,
      parley.rate,
      baseline.rate,
      0.5,
    ),
  ];
}

/**
 * The "with 3 processes": messages are sent through the first process and the subscribers
 * are split over the others, so every delivery crosses processes through the event log.
 */
const OTHER_PROCESSES = 2;

async function crossProcess(ctx: BenchContext): Promise<Row> {
  const admin = ctx.parley.adminToken;
  const channel = await createChannel(ctx.gql, admin, 'LIVE_CHAT_RETURNING', { requiredSkills: ['p3'] });
  const tickets = await openTickets(ctx.gql, channel, ['p3-cross-process']);
  const others = [];
  for (let i = 0; i < OTHER_PROCESSES; i++) others.push(await ctx.startParley(`P3 process ${i + 2}`));

  const subs = ctx.worker('p3 subscribers (other processes)');
  for (const [i, other] of others.entries()) {
    const share = Math.floor(SUBSCRIBERS / OTHER_PROCESSES);
    await subs.call('subscribe', {
      mode: 'graphql',
      url: other.wsUrl,
      authorization: `Bearer ${admin}`,
      count: i === OTHER_PROCESSES - 1 ? SUBSCRIBERS - share * (OTHER_PROCESSES - 1) : share,
      topics: tickets,
      query: SUBSCRIPTION,
    });
  }
  const publish: Publish = async (ticketId, body) => {
    await ctx.gql.request(admin, SEND, { ticketId, body });
  };
  await warmUp(subs, publish, tickets);
  const paced = await pacedPhase(ctx, subs, publish, tickets, [ctx.parley.pid, ...others.map((o) => o.pid)]);
  await subs.call('closeAll', undefined);
  await subs.stop();
  await Promise.all(others.map((o) => o.stop()));
  if (paced.result.errors > 0) throw new Error(`P3 cross-process errors: ${paced.result.firstError}`);

  const expected = PACED_MESSAGES * SUBSCRIBERS;
  const p95 = paced.result.latency.p95;
  ctx.log(
    `P3 across processes: p95 ${p95.toFixed(1)} ms; ${paced.result.received} of ${expected} deliveries`,
  );
  return {
    label: `one ticket, subscribers on ${OTHER_PROCESSES} other processes (${OTHER_PROCESSES + 1} in all): latency, ${1000 / PACED_INTERVAL_MS} msgs/s paced`,
    parley: {
      value: paced.result.received,
      unit: 'delivered',
      latency: paced.result.latency,
      cpu: paced.cpu,
    },
    target: `p95 ≤ 100 ms; all ${expected.toLocaleString('en-US')} delivered`,
    met: p95 <= 100 && paced.result.received === expected,
  };
}

export const fanOut: Scenario = {
  id: 'P3',
  title: 'Publish → receive at 1,000 graphql-ws subscribers vs a raw `ws` broadcast to 1,000 sockets',
  async run(ctx) {
    const rows = [...(await variant(ctx, 1)), ...(await variant(ctx, 100)), await crossProcess(ctx)];
    return {
      id: this.id,
      title: this.title,
      rows,
      notes: [
        `${SUBSCRIBERS} graphql-ws connections in one load process, one \`messageAdded\` subscription each (admin token), on one ticket or 10 per ticket over 100 tickets. Messages are published with \`sendMessage\` over HTTP; the body carries the send time and each subscriber takes its latency on receipt (same machine clock).`,
        `Latency: ${PACED_MESSAGES} messages, one every ${PACED_INTERVAL_MS} ms. Delivery rate: ${BURST_MESSAGES} messages from ${PUBLISHERS} publishers, each sending its next as soon as the last returned; deliveries divided by the time from the first send to the last receipt.`,
        'Baseline: a `ws` server in its own process; POST /publish serialises the same payload once and sends it to every socket of the topic.',
        `Across processes: ${OTHER_PROCESSES} more Parley processes (same build, same database, each with its own event-log tail) are started for this row only; the ${SUBSCRIBERS} subscribers are split evenly over them and the messages are sent through the first process, so every delivery goes commit → log → another process's tail → subscriber. Same one ticket and paced load as the first row; no baseline. Its "cores" line counts all ${OTHER_PROCESSES + 1} Parley processes as the server.`,
      ],
    };
  },
};
