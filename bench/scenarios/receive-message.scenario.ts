import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ratioRow, type Row, type Scenario } from '../lib/scenario';
import { createAgents, createChannel, openTickets, RECEIVE_MESSAGE, setAutoAccept } from '../lib/setup';

const LEVELS = [8, 16, 32];
const SECONDS = 6;
const WARMUP_SECONDS = 2;
const TICKETS = 64;

export const receiveMessage: Scenario = {
  id: 'P1',
  title: '`receiveMessage` end to end on existing OPEN tickets vs a raw INSERT into a messages-shaped table',
  async run(ctx) {
    const admin = ctx.parley.adminToken;
    const channel = await createChannel(ctx.gql, admin, 'LIVE_CHAT_RETURNING', { requiredSkills: ['p1'] });
    await setAutoAccept(ctx.gql, admin, true);
    const agents = await createAgents(ctx.gql, admin, [20, 20, 20, 20], 'ONLINE', ['p1']);
    const users = Array.from({ length: TICKETS }, (_, i) => `p1-user-${i}`);
    await openTickets(ctx.gql, channel, users);

    const db = new pg.Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ open: string }>(
      `select count(*) open from tickets where channel_id = $1 and status = 'OPEN'`,
      [channel.id],
    );
    await db.query(
      `drop table if exists bench_messages; create table bench_messages (like messages including all)`,
    );

    const load = ctx.worker('p1 load');
    const result: Row[] = [];
    for (const connections of LEVELS) {
      const plan = {
        kind: 'receiveMessage' as const,
        channelId: channel.id,
        users,
        query: RECEIVE_MESSAGE,
        runId: randomUUID(),
      };
      const http = {
        url: ctx.parley.httpUrl,
        headers: { authorization: `Bearer ${channel.token}` },
        connections,
        plan,
      };
      await load.call('httpLoad', { ...http, durationSeconds: WARMUP_SECONDS });
      const parley = await ctx.measureCpu(() => load.call('httpLoad', { ...http, durationSeconds: SECONDS }));
      if (parley.result.errors > 0) throw new Error(`P1 errors: ${parley.result.firstError}`);

      const raw = {
        databaseUrl: ctx.databaseUrl,
        table: 'bench_messages',
        channelId: channel.id,
        connections,
      };
      await load.call('pgInsertLoad', { ...raw, durationSeconds: 1 });
      const baseline = await ctx.measureCpu(() =>
        load.call('pgInsertLoad', { ...raw, durationSeconds: SECONDS }),
      );
      if (baseline.result.errors > 0) throw new Error(`P1 baseline errors: ${baseline.result.firstError}`);
      result.push(
        ratioRow(
          `${connections} clients`,
          {
            value: parley.result.throughput,
            unit: 'msgs/s',
            latency: parley.result.latency,
            cpu: parley.cpu,
          },
          {
            value: baseline.result.throughput,
            unit: 'inserts/s',
            latency: baseline.result.latency,
            cpu: baseline.cpu,
          },
          0.5,
        ),
      );
      ctx.log(
        `P1 ${connections} clients: ${parley.result.throughput.toFixed(0)} msgs/s vs ${baseline.result.throughput.toFixed(0)} inserts/s`,
      );
    }
    await db.query(`drop table bench_messages`);
    await db.end();
    await Promise.all(
      agents.map((a) =>
        ctx.gql.request(
          admin,
          `mutation($id: ID!) { setAgentStatusOf(agentId: $id, status: OFFLINE) { id } }`,
          { id: a.id },
        ),
      ),
    );
    return {
      id: this.id,
      title: this.title,
      rows: result,
      notes: [
        `${TICKETS} tickets, ${rows[0]!.open} of them OPEN with an agent; each client writes to its own end users; every request carries an externalMessageId.`,
        `Parley: ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s measured per level. Baseline: a table created with \`LIKE messages INCLUDING ALL\` (same columns, indexes and checks; no foreign keys), one prepared INSERT per transaction, synchronous_commit on, one connection per client.`,
      ],
    };
  },
};
