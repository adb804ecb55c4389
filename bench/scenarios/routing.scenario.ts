import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { ratioRow, type Scenario } from '../lib/scenario';
import { createAgents, createChannel, RECEIVE_MESSAGE, setAutoAccept } from '../lib/setup';
import { summarize } from '../lib/stats';

const TICKETS = 2000;
const AGENTS = 200;
const CONCURRENCY = 16;

interface EventRow {
  id: string;
  ticket_id: string;
  kind: string;
  to_status: string | null;
  agent_id: string | null;
  at: Date;
}

/**
 * Replays the event log in order: how often an agent held more than its capacity, and for every
 * assignment how long it came after the ticket and a free slot of that agent first met (the later
 * of the ticket's arrival and the agent's last freed slot).
 */
function replay(events: EventRow[], capacity: Map<string, number>) {
  const holder = new Map<string, string>(); // ticket → agent it counts against
  const load = new Map<string, number>();
  const freedAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  const decisions: number[] = [];
  let overCapacity = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  const release = (ticketId: string, at: number) => {
    const agent = holder.get(ticketId);
    if (!agent) return;
    holder.delete(ticketId);
    load.set(agent, load.get(agent)! - 1);
    freedAt.set(agent, at);
  };
  for (const e of events) {
    const at = e.at.getTime();
    if (e.kind === 'CREATED') {
      arrivedAt.set(e.ticket_id, at);
      first = Math.min(first, at);
    } else if ((e.kind === 'OFFERED' || e.kind === 'ASSIGNED') && e.agent_id) {
      if (holder.get(e.ticket_id) === e.agent_id) continue; // an accepted offer already counted
      release(e.ticket_id, at);
      holder.set(e.ticket_id, e.agent_id);
      const now = (load.get(e.agent_id) ?? 0) + 1;
      load.set(e.agent_id, now);
      if (now > capacity.get(e.agent_id)!) overCapacity++;
      const ready = Math.max(arrivedAt.get(e.ticket_id) ?? at, freedAt.get(e.agent_id) ?? 0);
      decisions.push(at - ready);
      last = Math.max(last, at);
    } else if (e.kind === 'OFFER_DECLINED' || e.kind === 'OFFER_EXPIRED') {
      release(e.ticket_id, at);
    } else if (e.kind === 'STATUS_CHANGED' && e.to_status !== 'OPEN') {
      release(e.ticket_id, at);
    }
  }
  return { decisions, overCapacity, first, last };
}

export const routing: Scenario = {
  id: 'P4',
  title: 'Routing 2,000 arriving tickets to 200 agents (capacity 1–5) vs a raw SQL claim',
  async run(ctx) {
    const admin = ctx.parley.adminToken;
    await setAutoAccept(ctx.gql, admin, true);
    const channel = await createChannel(ctx.gql, admin, 'LIVE_CHAT', { requiredSkills: ['p4'] });
    const capacities = Array.from({ length: AGENTS }, (_, i) => (i % 5) + 1);
    const agents = await createAgents(ctx.gql, admin, capacities, 'ONLINE', ['p4']);
    const capacity = new Map(agents.map((a) => [a.id, a.capacity]));

    const agentProcess = ctx.worker('p4 agents');
    await agentProcess.call('startAgents', {
      httpUrl: ctx.parley.httpUrl,
      wsUrl: ctx.parley.wsUrl,
      agents: agents.map(({ id, token }) => ({ id, token })),
      concurrency: CONCURRENCY,
    });
    const arrivals = ctx.worker('p4 arrivals');
    const users = Array.from({ length: TICKETS }, (_, i) => `p4-user-${i}`);
    const parley = await ctx.measureCpu(async () => {
      const sent = await arrivals.call('httpLoad', {
        url: ctx.parley.httpUrl,
        headers: { authorization: `Bearer ${channel.token}` },
        connections: CONCURRENCY,
        durationSeconds: 0,
        amount: TICKETS,
        plan: {
          kind: 'receiveMessage',
          channelId: channel.id,
          users,
          query: RECEIVE_MESSAGE,
          runId: randomUUID(),
        },
      });
      if (sent.errors > 0) throw new Error(`P4 arrival errors: ${sent.firstError}`);
      for (let i = 0; i < 600; i++) {
        const stats = await agentProcess.call('agentsStats', undefined);
        if (stats.errors > 0) throw new Error(`P4 agent errors: ${stats.firstError}`);
        if (stats.solved >= TICKETS) break;
        await sleep(100);
      }
      return sent;
    });
    await agentProcess.call('stopAgents', undefined);

    const db = new pg.Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    const { rows } = await db.query<EventRow>(
      `select e.id, e.ticket_id, e.kind, e.to_status, e.agent_id, e.at from ticket_events e
         join tickets t on t.id = e.ticket_id where t.channel_id = $1 order by e.id`,
      [channel.id],
    );
    const unrouted = await db.query<{ n: string }>(
      `select count(*) n from tickets where channel_id = $1 and status <> 'CLOSED'`,
      [channel.id],
    );
    await db.end();
    const log = replay(rows, capacity);
    const assignments = log.decisions.length;
    const throughput = assignments / ((log.last - log.first) / 1000);

    const baseline = await ctx.measureCpu(
      () =>
        ctx.worker('p4 raw claim').call('routeBaseline', {
          databaseUrl: ctx.databaseUrl,
          concurrency: CONCURRENCY,
          tickets: TICKETS,
          capacities,
        }),
      [],
    );
    ctx.log(
      `P4: ${throughput.toFixed(0)} vs ${baseline.result.throughput.toFixed(0)} assignments/s; over capacity ${log.overCapacity}`,
    );
    return {
      id: this.id,
      title: this.title,
      rows: [
        ratioRow(
          'assignments per second',
          { value: throughput, unit: 'assignments/s', latency: summarize(log.decisions), cpu: parley.cpu },
          {
            value: baseline.result.throughput,
            unit: 'claims/s',
            latency: baseline.result.decision,
            cpu: baseline.cpu,
          },
          0.5,
          { text: '0 over capacity', met: log.overCapacity === 0 && baseline.result.overCapacity === 0 },
        ),
      ],
      notes: [
        `${TICKETS} first messages from ${CONCURRENCY} concurrent clients (receiveMessage); ${AGENTS} agents ONLINE with capacities 1–5 (${capacities.reduce((a, b) => a + b, 0)} in all), autoAccept on; each agent listens to its \`assignments\` and solves a ticket as soon as it is assigned (LIVE_CHAT: closes at once, freeing the slot), at most ${CONCURRENCY} requests in flight.`,
        `Parley: assignments from the event log (${assignments}; tickets not closed at the end: ${unrouted.rows[0]!.n}), per second from the first arrival to the last assignment. Decision latency: assignment time − max(ticket arrival, the agent's last freed slot), from the log's timestamps. Over capacity: ${log.overCapacity} (replay of the log).`,
        `Baseline: ${CONCURRENCY} connections, each arrival an INSERT, then one transaction taking the oldest waiting ticket and the least-loaded agent with room FOR UPDATE SKIP LOCKED and raising its load, then one lowering it (the solve). Decision latency: the claim transaction. Over capacity: ${baseline.result.overCapacity}.`,
      ],
    };
  },
};
