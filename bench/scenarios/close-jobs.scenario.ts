import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Scenario } from '../lib/scenario';
import { createAgents, createChannel, openTickets, setAutoAccept } from '../lib/setup';
import { summarize } from '../lib/stats';

const TICKETS = 1000;
const WINDOW_SECONDS = 60;
const CLOSE_AFTER_SECONDS = 5;

/** mulberry32: the same "random" solve times on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const closeJobs: Scenario = {
  id: 'P5',
  title: '1,000 close jobs falling due at random times over 60 s',
  async run(ctx) {
    const admin = ctx.parley.adminToken;
    await setAutoAccept(ctx.gql, admin, true);
    const channel = await createChannel(ctx.gql, admin, 'LIVE_CHAT_RETURNING', {
      closeAfterSolvedSeconds: CLOSE_AFTER_SECONDS,
      requiredSkills: ['p5'],
    });
    await createAgents(
      ctx.gql,
      admin,
      Array.from({ length: 10 }, () => 100),
      'ONLINE',
      ['p5'],
    );
    const tickets = await openTickets(
      ctx.gql,
      channel,
      Array.from({ length: TICKETS }, (_, i) => `p5-user-${i}`),
      16,
    );
    const db = new pg.Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    const countIn = async (status: string): Promise<number> => {
      const { rows } = await db.query<{ n: string }>(
        `select count(*) n from tickets where channel_id = $1 and status = $2`,
        [channel.id, status],
      );
      return Number(rows[0]!.n);
    };
    for (let i = 0; i < 300 && (await countIn('OPEN')) < TICKETS; i++) await sleep(100);

    // Each ticket is solved at its own moment in the window, so its close falls due CLOSE_AFTER later.
    const random = seeded(5);
    let solveErrors = 0;
    const { cpu } = await ctx.measureCpu(async () => {
      await Promise.all(
        tickets.map(async (ticketId) => {
          await sleep(random() * WINDOW_SECONDS * 1000);
          await ctx.gql
            .request(
              admin,
              `mutation($id: ID!) { updateTicketStatus(ticketId: $id, status: SOLVED) { id } }`,
              {
                id: ticketId,
              },
            )
            .catch(() => solveErrors++);
        }),
      );
      await sleep(CLOSE_AFTER_SECONDS * 1000);
      for (let i = 0; i < 300 && (await countIn('CLOSED')) < TICKETS; i++) await sleep(100);
    });
    if (solveErrors > 0) throw new Error(`P5: ${solveErrors} solves failed`);

    const { rows } = await db.query<{ ticket_id: string; due: Date; closed: Date[] }>(
      `select t.id ticket_id, t.solved_at + make_interval(secs => $2) due,
              array_agg(e.at order by e.id) filter (where e.to_status = 'CLOSED') closed
         from tickets t join ticket_events e on e.ticket_id = t.id
        where t.channel_id = $1 group by t.id, t.solved_at`,
      [channel.id, CLOSE_AFTER_SECONDS],
    );
    await db.end();
    const lateness = rows
      .filter((r) => r.closed?.length)
      .map((r) => r.closed[0]!.getTime() - r.due.getTime());
    const closed = lateness.length;
    const twice = rows.filter((r) => (r.closed?.length ?? 0) > 1).length;
    const summary = summarize(lateness);
    ctx.log(
      `P5: ${closed} closed, lateness p99 ${summary.p99} ms, max ${summary.max} ms, ${twice} closed twice`,
    );
    const met = closed === TICKETS && twice === 0 && summary.p99 <= 250 && summary.max <= 1000;
    return {
      id: this.id,
      title: this.title,
      rows: [
        {
          label: 'lateness after the due time',
          parley: { value: closed, unit: `closed of ${TICKETS}`, latency: summary, cpu },
          target: 'p99 ≤ 250 ms, max ≤ 1 s, each closed once',
          met,
        },
      ],
      notes: [
        `A LIVE_CHAT_RETURNING style closing ${CLOSE_AFTER_SECONDS} s after solve; ${TICKETS} OPEN tickets, each solved at a seeded random moment of a ${WINDOW_SECONDS} s window, so the closes fall due at random over ${WINDOW_SECONDS} s. Agenda on the PostgreSQL backend, default settings (process every 1 s).`,
        `Lateness: the CLOSED event's time minus solved_at + ${CLOSE_AFTER_SECONDS} s, from the database. Closed twice: ${twice}. The baseline is the due time itself.`,
      ],
    };
  },
};
