import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { migrate } from '../src/db/migrate';
import { ormConfig } from '../src/db/orm.config';
import { StatsGroupBy, StatsInterval } from '../src/domain/stats/stats-range';
import { TicketStatsService, type TicketStatsInput } from '../src/services/stats/ticket-stats.service';
import { ticketStatsSql } from '../src/services/stats/ticket-stats.store';
import { validateStatsRange } from '../src/domain/stats/stats-range';
import { nowMs } from './lib/stats';

/*
 * ticketStats on a generated data set (BENCHMARKS.md "ticketStats on 1,000,000 tickets"):
 *   npm run build && node dist/bench/ticket-stats.js
 * A fresh embedded PostgreSQL in a temporary folder (removed at the end), the migrations, then
 * BENCH_TICKETS tickets (default 1,000,000) generated in SQL over the year before END, with three
 * events each and an SLA breach on 5% of them (the bench adds the SLA_BREACHED kind the SLA issue
 * will add, so the breach count is measured doing real work). Prints the plan of the headline
 * query and the time of each query (best and median of RUNS).
 */

const TICKETS = Number(process.env.BENCH_TICKETS ?? 1_000_000);
const RUNS = 5;
const END = new Date('2026-12-01T00:00:00.000Z');
const DAY_MS = 86_400_000;
const CHANNELS = 12;
const AGENTS = 60;
const END_USERS = 200_000;

const log = (line: string): void => void process.stdout.write(`[ticket-stats] ${line}\n`);

async function generate(url: string): Promise<void> {
  // One connection of its own: the session settings below must hold for every statement.
  const db = new pg.Client({ connectionString: url });
  db.on('error', () => undefined);
  await db.connect();
  try {
    await fill(db);
  } finally {
    await db.end();
  }
}

async function fill(db: pg.Client): Promise<void> {
  const conn = { execute: async <R>(text: string): Promise<R> => (await db.query(text)).rows as R };
  const t0 = nowMs();
  // Bulk load: no foreign-key triggers while rows that satisfy them by construction go in.
  await conn.execute(`set session_replication_role = replica`);
  await conn.execute(`insert into channels (id, kind, name, style_id, required_skills, created_at, updated_at)
    select gen_random_uuid(), 'WEB_WIDGET', 'Channel ' || lpad(i::text, 2, '0'),
           (select id from conversation_styles order by name offset (i % 3) limit 1), '{}', now(), now()
      from generate_series(1, ${CHANNELS}) i`);
  await conn.execute(`insert into agents (id, name, email, status, skills, capacity, created_at, updated_at)
    select gen_random_uuid(), 'Agent ' || lpad(i::text, 3, '0'), 'agent' || i || '@example.com', 'ONLINE', '{}', 5, now(), now()
      from generate_series(1, ${AGENTS}) i`);
  await conn.execute(`insert into end_users (id, channel_id, external_id, created_at)
    select gen_random_uuid(), c.id, 'user-' || i, now()
      from generate_series(1, ${END_USERS}) i
      join (select id, row_number() over (order by name) - 1 as n from channels) c on c.n = i % ${CHANNELS}`);
  // Ticket i: created uniformly over the year; its figures from a few hash-like residues of i, so
  // the data set is the same on every run. 10% NEW (no assignee, no reply), 10% OPEN, 10%
  // SOLVED, 70% CLOSED; 10% of the rest reopened once.
  await conn.execute(`create temporary table agent_ids as
    select id, row_number() over (order by name) - 1 as n from agents`);
  await conn.execute(`create temporary table user_ids as
    select id, channel_id, row_number() over (order by external_id) - 1 as n from end_users`);
  await conn.execute(`insert into tickets (id, status, priority, channel_id, style_id, requester_id, assignee_id,
      required_skills, created_at, updated_at, waiting_since, solved_at, closed_at, reopen_count, last_sequence,
      first_end_user_message_at, first_agent_reply_at, last_solved_at, handle_ms, assignment_count)
    select gen_random_uuid(), s.status::ticket_status,
           (array['LOW','NORMAL','NORMAL','NORMAL','HIGH','URGENT'])[1 + g.i % 6]::ticket_priority,
           u.channel_id, ch.style_id, u.id, case when s.status = 'NEW' then null else a.id end,
           '{}', g.created, g.created, g.created,
           case when s.status in ('SOLVED', 'CLOSED') then g.created + g.resolve end,
           case when s.status = 'CLOSED' then g.created + g.resolve end,
           case when s.status <> 'NEW' and g.i % 10 = 3 then 1 else 0 end, 3,
           g.created, case when s.status <> 'NEW' then g.created + g.reply end,
           case when s.status in ('SOLVED', 'CLOSED') then g.created + g.resolve end,
           0, case when s.status = 'NEW' then 0 else 1 end
      from (select i,
                   timestamptz '${new Date(END.getTime() - 365 * DAY_MS).toISOString()}'
                     + (i::float8 / ${TICKETS}) * interval '365 days' as created,
                   make_interval(secs => 5 + (i * 7919) % 3600) as reply,
                   make_interval(secs => 600 + (i * 104729) % 259200) as resolve
              from generate_series(0::bigint, ${TICKETS - 1}) i) g
      cross join lateral (select case when g.i % 10 = 0 then 'NEW' when g.i % 10 = 1 then 'OPEN'
                                      when g.i % 10 = 2 then 'SOLVED' else 'CLOSED' end as status) s
      join user_ids u on u.n = (g.i * 31) % ${END_USERS}
      join channels ch on ch.id = u.channel_id
      join agent_ids a on a.n = (g.i * 17) % ${AGENTS}
      order by g.created`);
  // The ticket's state after each change is its final one: ticketStats reads neither.
  await conn.execute(`insert into ticket_events (ticket_id, kind, actor_type, at, stream_xid, status, assignee_id, channel_id, requester_id)
    select id, k.kind::ticket_change_kind, 'SYSTEM', created_at, pg_current_xact_id(), status, assignee_id, channel_id, requester_id
      from tickets cross join (values ('CREATED'), ('MESSAGE_ADDED'), ('STATUS_CHANGED')) k(kind)`);
  // What the SLA issue adds; 5% of tickets breach once.
  await conn.execute(`alter type ticket_change_kind add value if not exists 'SLA_BREACHED'`);
  await conn.execute(`insert into ticket_events (ticket_id, kind, actor_type, at, stream_xid, status, assignee_id, channel_id, requester_id)
    select id, 'SLA_BREACHED', 'SYSTEM', created_at + interval '1 hour', pg_current_xact_id(), status, assignee_id, channel_id, requester_id
      from tickets where (hashtext(id::text) & 1023) < 51`);
  await conn.execute(`set session_replication_role = origin`);
  await conn.execute(`vacuum (analyze) tickets`);
  await conn.execute(`vacuum (analyze) ticket_events`);
  const counts = await conn.execute<{ tickets: string; events: string; breaches: string }[]>(
    `select (select count(*) from tickets)::text as tickets, (select count(*) from ticket_events)::text as events,
            (select count(*) from ticket_events where kind::text = 'SLA_BREACHED')::text as breaches`,
  );
  log(
    `generated ${counts[0]!.tickets} tickets, ${counts[0]!.events} events (${counts[0]!.breaches} SLA breaches) in ${((nowMs() - t0) / 1000).toFixed(1)} s`,
  );
}

interface Case {
  name: string;
  input: TicketStatsInput;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-stats-'));
  fs.chmodSync(dataDir, 0o755);
  const started = nowMs();
  log(`fresh embedded PostgreSQL in ${dataDir}`);
  const postgres = await startEmbeddedPostgres({ dataDir });
  const orm = await MikroORM.init(ormConfig(postgres.url, { logger: () => undefined }));
  try {
    await migrate(orm, postgres.url);
    await generate(postgres.url);
    const conn = orm.em.getConnection();
    const version = await conn.execute<{ v: string }[]>(`select current_setting('server_version') as v`);
    const channel = await conn.execute<{ id: string }[]>(`select id from channels order by name limit 1`);
    const yearFrom = new Date(END.getTime() - 365 * DAY_MS);
    const cases: Case[] = [
      { name: 'year, no interval, no grouping', input: { from: yearFrom, to: END } },
      {
        name: 'year, DAY buckets, UTC',
        input: { from: yearFrom, to: END, interval: StatsInterval.DAY },
      },
      {
        name: 'year, WEEK × CHANNEL, Asia/Seoul',
        input: {
          from: yearFrom,
          to: END,
          interval: StatsInterval.WEEK,
          groupBy: StatsGroupBy.CHANNEL,
          timeZone: 'Asia/Seoul',
        },
      },
      {
        name: '150 days, DAY × AGENT, America/New_York',
        input: {
          from: new Date(END.getTime() - 150 * DAY_MS),
          to: END,
          interval: StatsInterval.DAY,
          groupBy: StatsGroupBy.AGENT,
          timeZone: 'America/New_York',
        },
      },
      {
        name: '30 days, HOUR, America/New_York',
        input: {
          from: new Date(END.getTime() - 30 * DAY_MS),
          to: END,
          interval: StatsInterval.HOUR,
          timeZone: 'America/New_York',
        },
      },
      {
        name: 'year, DAY buckets, one channel',
        input: { from: yearFrom, to: END, interval: StatsInterval.DAY, channelId: channel[0]!.id },
      },
      {
        name: 'one day, HOUR × PRIORITY',
        input: {
          from: new Date(END.getTime() - DAY_MS),
          to: END,
          interval: StatsInterval.HOUR,
          groupBy: StatsGroupBy.PRIORITY,
        },
      },
    ];

    const headline = cases[1]!;
    const zones = new Map([['utc', 'UTC']]);
    const sql = ticketStatsSql({ range: validateStatsRange(headline.input, zones), channelId: null });
    const plan = await conn.execute<{ 'QUERY PLAN': string }[]>(
      `explain (analyze, buffers, costs off) ${sql.text}`,
      sql.bindings,
    );
    process.stdout.write(`\nEXPLAIN (ANALYZE, BUFFERS) of "${headline.name}":\n\n`);
    process.stdout.write(`${plan.map((r) => r['QUERY PLAN']).join('\n')}\n\n`);

    const service = new TicketStatsService(orm.em);
    const results: string[] = [];
    for (const c of cases) {
      const times: number[] = [];
      let rows = 0;
      for (let run = 0; run < RUNS; run++) {
        const t0 = nowMs();
        rows = (await service.ticketStats(c.input)).length;
        times.push(nowMs() - t0);
      }
      times.sort((a, b) => a - b);
      const line = `| ${c.name} | ${rows} | ${times[0]!.toFixed(0)} ms | ${times[Math.floor(RUNS / 2)]!.toFixed(0)} ms |`;
      results.push(line);
      log(line);
    }
    process.stdout.write(
      `\nPostgreSQL ${version[0]!.v}; ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ` +
        `${Math.round(os.totalmem() / 2 ** 30)} GiB; ${TICKETS} tickets; ${RUNS} runs each (service call, both statements)\n\n` +
        `| query | rows | best | median |\n| --- | --- | --- | --- |\n${results.join('\n')}\n\n` +
        `Total ${((nowMs() - started) / 1000).toFixed(0)} s\n`,
    );
  } finally {
    await orm.close();
    await postgres.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
