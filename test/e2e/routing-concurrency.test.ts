import pg from 'pg';
import { ReceiveMessageDocument, SetAgentStatusDocument } from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** A small seeded PRNG, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface EventRow {
  id: string;
  ticket_id: string;
  kind: string;
  agent_id: string | null;
}

/**
 * Replays the event log in id order (per agent and per ticket that is commit order: both are written
 * under the same row locks) and returns every moment an agent was offered beyond its capacity or a
 * ticket was offered while already on offer.
 */
function violations(events: EventRow[], capacity: Map<string, number>): string[] {
  const load = new Map<string, number>();
  const offeredTo = new Map<string, string>();
  const problems: string[] = [];
  for (const e of events) {
    if (e.kind === 'OFFERED' && e.agent_id) {
      const before = load.get(e.agent_id) ?? 0;
      if (before >= capacity.get(e.agent_id)!)
        problems.push(`event ${e.id}: agent ${e.agent_id} offered at load ${before}`);
      if (offeredTo.has(e.ticket_id))
        problems.push(`event ${e.id}: ticket ${e.ticket_id} offered while on offer`);
      load.set(e.agent_id, before + 1);
      offeredTo.set(e.ticket_id, e.agent_id);
    } else if ((e.kind === 'OFFER_DECLINED' || e.kind === 'OFFER_EXPIRED') && e.agent_id) {
      if (offeredTo.get(e.ticket_id) !== e.agent_id) problems.push(`event ${e.id}: offer end without offer`);
      load.set(e.agent_id, (load.get(e.agent_id) ?? 0) - 1);
      offeredTo.delete(e.ticket_id);
    } else if (e.kind === 'ASSIGNED' || e.kind === 'STATUS_CHANGED') {
      problems.push(`event ${e.id}: unexpected ${e.kind} (nobody accepts in this test)`);
    }
  }
  return problems;
}

async function burst(apps: TestApp[], seed: number): Promise<void> {
  const [first] = apps;
  const rnd = random(seed);
  const channel = await createChannel(first!, 'SOCIAL_MESSAGING');
  const agents = await Promise.all(
    Array.from({ length: 10 }, (_, i) => createAgent(first!, { capacity: (i % 5) + 1, status: 'OFFLINE' })),
  );
  const capacity = new Map(agents.map((a, i) => [a.id, (i % 5) + 1]));

  const messages = Array.from({ length: 200 }, (_, i) => {
    const app = apps[i % apps.length]!;
    return app.client.execute(
      ReceiveMessageDocument,
      { input: { channelId: channel.id, externalUserId: `burst-${seed}-${i}`, body: `help ${i}` } },
      channel.token,
    );
  });
  const toggles = Array.from({ length: 80 }, async (_, i) => {
    await new Promise((resolve) => setTimeout(resolve, Math.floor(rnd() * 400)));
    const agent = agents[Math.floor(rnd() * agents.length)]!;
    const app = apps[i % apps.length]!;
    return app.client.execute(
      SetAgentStatusDocument,
      { status: rnd() < 0.6 ? 'ONLINE' : 'AWAY' },
      agent.token,
    );
  });
  const results = await Promise.all([...messages, ...toggles]);
  expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);

  // Everyone back at the desk: whatever is still waiting gets offered, as far as capacity goes.
  for (const agent of agents)
    await first!.client.execute(SetAgentStatusDocument, { status: 'ONLINE' }, agent.token);

  const db = new pg.Client({ connectionString: first!.db.url });
  await db.connect();
  try {
    const events = (
      await db.query<EventRow>(
        `select e.id::text, e.ticket_id, e.kind, e.agent_id from ticket_events e
           join tickets t on t.id = e.ticket_id where t.channel_id = $1 order by e.id`,
        [channel.id],
      )
    ).rows;
    expect(violations(events, capacity)).toEqual([]);

    const tickets = (
      await db.query<{ status: string; offered_to_id: string | null; assignee_id: string | null }>(
        'select status, offered_to_id, assignee_id from tickets where channel_id = $1',
        [channel.id],
      )
    ).rows;
    // None lost: every message made its ticket, each NEW and either offered or queued.
    expect(tickets).toHaveLength(200);
    expect(tickets.every((t) => t.status === 'NEW' && t.assignee_id === null)).toBe(true);
    const offered = tickets.filter((t) => t.offered_to_id !== null);
    const totalCapacity = [...capacity.values()].reduce((a, b) => a + b, 0);
    expect(offered).toHaveLength(totalCapacity);
    const perAgent = new Map<string, number>();
    for (const t of offered) perAgent.set(t.offered_to_id!, (perAgent.get(t.offered_to_id!) ?? 0) + 1);
    for (const [agentId, count] of perAgent) expect(count).toBeLessThanOrEqual(capacity.get(agentId)!);
  } finally {
    await db.end();
  }
}

describe('routing under concurrency (the database is the arbiter)', () => {
  it('200 tickets at once while 10 agents come and go: never beyond capacity, never offered twice, none lost', async () => {
    const t = await startTestApp();
    try {
      await burst([t], 42);
    } finally {
      await t.close();
    }
  });

  it('an admin gives one agent 20 tickets at once: every reassignment lands (no deadlock), once each', async () => {
    const t = await startTestApp();
    try {
      const channel = await createChannel(t, 'SOCIAL_MESSAGING');
      const agent = await createAgent(t, { capacity: 1, status: 'OFFLINE' });
      const tickets: string[] = [];
      for (let i = 0; i < 20; i++) tickets.push((await receive(t, channel, `crowd-${i}`, 'hello')).ticket.id);
      const given = await Promise.all(tickets.map((id) => assign(t, id, agent.id)));
      expect(given.every((ticket) => ticket.assignee?.id === agent.id && ticket.status === 'OPEN')).toBe(
        true,
      );
      const db = new pg.Client({ connectionString: t.db.url });
      await db.connect();
      try {
        const { rows } = await db.query<{ n: number }>(
          `select count(*)::int as n from ticket_events where kind = 'ASSIGNED' and agent_id = $1`,
          [agent.id],
        );
        expect(rows[0]!.n).toBe(20);
      } finally {
        await db.end();
      }
    } finally {
      await t.close();
    }
  });

  it('the same with two server instances on one database', async () => {
    const a = await startTestApp();
    const b = await startTestApp({ db: a.db, clock: a.clock });
    try {
      await burst([a, b], 7);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
