import fs from 'node:fs';
import pg from 'pg';
import {
  ADMIN_TOKEN,
  EndUser,
  exited,
  gql,
  killServers,
  MAIN,
  sleep,
  startServer,
} from '../support/server-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Issue 7: kill -9 the server while 20 partners post messages as fast as they can, start it again on
 * the same database, and let the partners retry what they never got an answer for (with the same
 * externalMessageId, as docs/domain.md "Messages and ingestion" promises they may). Nothing acknowledged may be lost, nothing may
 * be stored twice, sequences stay gapless, and closes due across the crash happen once.
 */

const LOAD_CLIENTS = 20;
// Enough acknowledged messages before the crash that the kill lands among many in-flight commits.
const ACKS_BEFORE_CRASH = 300;
const MESSAGES_AFTER_RESTART = 3;
// Closes due while no server runs (caught by the sweep at start) and closes due after the restart
// (run by the Agenda jobs the killed process saved, unless the restart is slower than that).
const DUE_WHILE_DEAD_SECONDS = 2;
const DUE_AFTER_RESTART_SECONDS = 6;
const CLOSERS_PER_GROUP = 3;

describe('kill -9 under load (issue 7)', () => {
  let db: TestDatabase;
  let sql: pg.Client;

  beforeAll(async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm test builds it first (npm run build)`);
    db = await createTestDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await killServers();
    await sql?.end();
    await db?.drop();
  });

  // Two starts, the load and the closes' due times: more than the default timeout on a busy machine.
  it('loses no acknowledged message, stores none twice, keeps sequences gapless and closes each due ticket once', async () => {
    const first = await startServer(db.url);
    const admin = <T>(query: string, variables?: Record<string, unknown>) =>
      gql<T>(first.url, ADMIN_TOKEN, query, variables);

    const channelOn = async (closeAfterSolvedSeconds: number) => {
      const { createConversationStyle } = await admin<{ createConversationStyle: { id: string } }>(
        `mutation($input: CreateConversationStyleInput!) { createConversationStyle(input: $input) { id } }`,
        {
          input: {
            name: `Social ${closeAfterSolvedSeconds}s`,
            kind: 'SOCIAL_MESSAGING',
            closeAfterSolvedSeconds,
          },
        },
      );
      const { createChannel } = await admin<{ createChannel: { token: string; channel: { id: string } } }>(
        `mutation($input: CreateChannelInput!) { createChannel(input: $input) { token channel { id } } }`,
        {
          input: {
            kind: 'WHATSAPP',
            name: `WhatsApp ${closeAfterSolvedSeconds}s`,
            styleId: createConversationStyle.id,
          },
        },
      );
      return { id: createChannel.channel.id, token: createChannel.token };
    };
    const dueWhileDead = await channelOn(DUE_WHILE_DEAD_SECONDS);
    const dueAfterRestart = await channelOn(DUE_AFTER_RESTART_SECONDS);
    // OFFLINE, so routing offers it nothing: the load's tickets simply wait in the queue.
    const { createAgent } = await admin<{ createAgent: { agent: { id: string } } }>(
      'mutation { createAgent(input: { name: "Solver", email: "solver@example.com", capacity: 100 }) { agent { id } } }',
    );

    // The tickets to be solved get end users of their own: a load message would reopen them.
    const closers = [
      ...Array.from({ length: CLOSERS_PER_GROUP }, (_, i) => new EndUser(`dead-${i}`, dueWhileDead)),
      ...Array.from({ length: CLOSERS_PER_GROUP }, (_, i) => new EndUser(`late-${i}`, dueAfterRestart)),
    ];
    const closerTickets = new Map<EndUser, string>();
    for (const closer of closers) {
      expect(await closer.sendOne(first.url)).toBe(true);
      const ticketId = closer.answers.get(closer.sent[0]!)!.ticket.id;
      closerTickets.set(closer, ticketId);
      await admin('mutation($t: ID!, $a: ID) { reassignTicket(ticketId: $t, agentId: $a) { status } }', {
        t: ticketId,
        a: createAgent.agent.id,
      });
    }

    const load = Array.from({ length: LOAD_CLIENTS }, (_, i) => new EndUser(`load-${i}`, dueWhileDead));
    let acks = 0;
    const flooding = load.map((user) => user.flood(first.url, () => acks++));
    // Not a speed test: a slow machine crashes with fewer messages acknowledged, not a failure.
    const loadUntil = performance.now() + 5_000;
    while (acks < ACKS_BEFORE_CRASH && performance.now() < loadUntil) {
      const refusals = load.flatMap((u) => u.refusals);
      if (refusals.length > 0)
        throw new Error(`refused under load: ${JSON.stringify(refusals)}\n${first.output()}`);
      await sleep(10);
    }

    // Solved under load, acknowledged, and then the crash: their closes are already scheduled.
    const solved = await Promise.all(
      closers.map((closer) =>
        admin<{ updateTicketStatus: { status: string; closesAt: string } }>(
          'mutation($t: ID!) { updateTicketStatus(ticketId: $t, status: SOLVED) { status closesAt } }',
          { t: closerTickets.get(closer) },
        ),
      ),
    );
    const killedAt = Date.now();
    process.kill(first.child.pid!, 'SIGKILL');
    await exited(first.child);
    await Promise.all(flooding);
    expect(load.flatMap((u) => u.refusals)).toEqual([]);
    expect(solved.map((s) => s.updateTicketStatus.status)).toEqual(closers.map(() => 'SOLVED'));

    // Stay down until the first group's closes are due, so only the restart can carry them out.
    const dueWhileDeadAt = Math.max(
      ...solved.slice(0, CLOSERS_PER_GROUP).map((s) => Date.parse(s.updateTicketStatus.closesAt)),
    );
    await sleep(Math.max(0, dueWhileDeadAt - Date.now()) + 200);
    // A close that fell due before the kill (a very slow solve) may rightly have happened already.
    const dueAfterKill = closers
      .filter((_, i) => Date.parse(solved[i]!.updateTicketStatus.closesAt) > killedAt)
      .map((closer) => closerTickets.get(closer)!);
    const whileDead = await sql.query<{ status: string }>(
      'select status from tickets where id = any($1::uuid[])',
      [dueAfterKill],
    );
    expect(whileDead.rows.map((r) => r.status)).toEqual(dueAfterKill.map(() => 'SOLVED'));

    const second = await startServer(db.url);
    // Every unanswered message again with the same id, then more, to show the sequences go on.
    await Promise.all(
      load.map(async (user) => {
        const retries = user.pending === null ? 0 : 1;
        for (let n = 0; n < retries + MESSAGES_AFTER_RESTART; n++) {
          if (!(await user.sendOne(second.url)))
            throw new Error(
              `${user.externalUserId} not answered after the restart: ${JSON.stringify(user.refusals)}\n${second.output()}`,
            );
        }
      }),
    );

    const ticketIds = [...closerTickets.values()];
    const closeDeadline = performance.now() + 30_000;
    for (;;) {
      const { rows } = await sql.query<{ n: number }>(
        `select count(*)::int as n from tickets where id = any($1::uuid[]) and status = 'CLOSED'`,
        [ticketIds],
      );
      if (rows[0]!.n === ticketIds.length) break;
      if (performance.now() > closeDeadline)
        throw new Error(`only ${rows[0]!.n} of ${ticketIds.length} due tickets closed:\n${second.output()}`);
      await sleep(200);
    }
    // Give a duplicate close (a job of the killed process, a sweep) the time to show up.
    await sleep(1500);

    // Everything below is read from PostgreSQL itself, not from the server's answers.
    const everyone = [...load, ...closers];
    const { rows: messages } = await sql.query<{
      external_id: string | null;
      external_user_id: string;
      ticket_id: string;
      sequence: number;
    }>(
      `select m.external_id, u.external_id as external_user_id, m.ticket_id, m.sequence
         from messages m
         join tickets t on t.id = m.ticket_id
         join end_users u on u.id = t.requester_id
        order by u.external_id, m.sequence`,
    );
    const byId = new Map<string, typeof messages>();
    for (const m of messages)
      byId.set(m.external_id ?? '(none)', [...(byId.get(m.external_id ?? '(none)') ?? []), m]);

    const sent = new Set(everyone.flatMap((u) => u.sent));
    // Nothing nobody sent, and each id sent stored exactly once.
    expect([...byId.keys()].filter((id) => !sent.has(id))).toEqual([]);
    expect([...sent].filter((id) => byId.get(id)?.length !== 1)).toEqual([]);

    for (const user of everyone) {
      expect(user.pending).toBeNull();
      const rows = messages.filter((m) => m.external_user_id === user.externalUserId);
      // One ticket per end user, its messages numbered 1..N in the order they were sent.
      expect(new Set(rows.map((m) => m.ticket_id)).size).toBe(1);
      expect(rows.map((m) => [m.sequence, m.external_id])).toEqual(user.sent.map((id, i) => [i + 1, id]));
      // The answers told the truth: the sequence acknowledged is the one stored.
      expect(user.sent.map((id) => user.answers.get(id)?.message.sequence)).toEqual(
        user.sent.map((_, i) => i + 1),
      );
    }
    const { rows: tickets } = await sql.query<{ requester: string; last_sequence: number; messages: number }>(
      `select u.external_id as requester, t.last_sequence, (select count(*)::int from messages m where m.ticket_id = t.id) as messages
         from tickets t join end_users u on u.id = t.requester_id order by u.external_id`,
    );
    expect(tickets.filter((t) => t.last_sequence !== t.messages)).toEqual([]);
    expect(tickets.map((t) => t.requester).sort()).toEqual(everyone.map((u) => u.externalUserId).sort());

    // One MESSAGE_ADDED event per message: the event log was written in the message's transaction.
    const { rows: events } = await sql.query<{ unmatched: number }>(
      `select count(*)::int as unmatched from messages m
        where (select count(*) from ticket_events e where e.message_id = m.id and e.kind = 'MESSAGE_ADDED') <> 1`,
    );
    expect(events[0]!.unmatched).toBe(0);

    // Each due close happened once, by the system, not before it was due.
    const { rows: closes } = await sql.query<{
      ticket_id: string;
      closes: number;
      by_others: number;
      early: number;
    }>(
      `select t.id as ticket_id,
              (select count(*)::int from ticket_events e
                where e.ticket_id = t.id and e.kind = 'STATUS_CHANGED' and e.to_status = 'CLOSED') as closes,
              (select count(*)::int from ticket_events e
                where e.ticket_id = t.id and e.to_status = 'CLOSED' and e.actor_type <> 'SYSTEM') as by_others,
              (select count(*)::int from ticket_events e
                where e.ticket_id = t.id and e.to_status = 'CLOSED'
                  and e.at < (select max(solve.at) from ticket_events solve
                               where solve.ticket_id = t.id and solve.to_status = 'SOLVED')
                             + make_interval(secs => s.close_after_solved_seconds)) as early
         from tickets t join conversation_styles s on s.id = t.style_id
        where t.id = any($1::uuid[])`,
      [ticketIds],
    );
    expect(closes.map((c) => [c.closes, c.by_others, c.early])).toEqual(ticketIds.map(() => [1, 0, 0]));

    // Only a retry can be a repeat: every id was new the first time it was sent.
    expect(
      everyone.flatMap((u) =>
        u.sent.filter((id) => u.answers.get(id)!.duplicate && !u.retried.some((r) => r.id === id)),
      ),
    ).toEqual([]);

    second.child.kill('SIGTERM');
    await exited(second.child);
  }, 120_000);
});
