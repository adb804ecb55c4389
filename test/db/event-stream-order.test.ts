import type { Ref } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';
import { ormConfig } from '../../src/db/orm.config';
import { comparePositions, STREAM_START, type StreamPosition } from '../../src/domain/stream/stream-position';
import { ActorType, TicketChangeKind, TicketStatus } from '../../src/domain/ticket/ticket.enums';
import { TicketEventEntity } from '../../src/entities/ticket-event.entity';
import type { TicketEntity } from '../../src/entities/ticket.entity';
import { insertEvents, type Query, readSettled } from '../../src/events/event-log.store';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * docs/domain.md "The event stream": readers read the log in one order and never miss a change
 * whose id was allocated early but committed late. Many writers run deliberately long
 * transactions through the production insert while readers tail the log with the production
 * read; every reader must see every committed change exactly once, in one order, and each
 * ticket's changes in their commit order.
 */

const WRITERS = 16;
const TRANSACTIONS_PER_WRITER = 15;
const HOT_TICKETS = 5;
const READERS = 3;
const READ_LIMIT = 7;
const DEADLINE_MS = 45_000;

let db: TestDatabase;
const clients: pg.Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const orm = await MikroORM.init(ormConfig(db.url, { logger: () => undefined }));
  try {
    await migrate(orm, db.url);
  } finally {
    await orm.close();
  }
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await db.drop();
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url, statement_timeout: 30_000 });
  await client.connect();
  clients.push(client);
  return client;
}

// The log store's statements use `?` placeholders (as the stream's own connection does).
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function queryOnClient(client: pg.Client): Query {
  return async (sql, params) =>
    (await client.query(numbered(sql), [...params])).rows as Record<string, unknown>[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (below: number) => Math.floor(Math.random() * below);

interface Fixture {
  channelId: string;
  requesterId: string;
}

async function createTickets(client: pg.Client, fixture: Fixture, count: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `insert into tickets (id, channel_id, style_id, requester_id, required_skills, created_at, updated_at, waiting_since)
     select gen_random_uuid(), $1, c.style_id, $2, '{}', now(), now(), now()
       from channels c, generate_series(1, $3::int) where c.id = $1
     returning id`,
    [fixture.channelId, fixture.requesterId, count],
  );
  return rows.map((r) => r.id);
}

async function createFixture(client: pg.Client): Promise<Fixture> {
  const channel = await client.query<{ id: string }>(
    `insert into channels (id, kind, name, style_id, required_skills, created_at, updated_at)
     select gen_random_uuid(), 'WEB_WIDGET', 'Order test', id, '{}', now(), now()
       from conversation_styles order by name limit 1
     returning id`,
  );
  const channelId = channel.rows[0]!.id;
  const user = await client.query<{ id: string }>(
    `insert into end_users (id, channel_id, external_id, created_at)
     values (gen_random_uuid(), $1, 'order-test-user', now()) returning id`,
    [channelId],
  );
  return { channelId, requesterId: user.rows[0]!.id };
}

function eventRow(fixture: Fixture, ticketId: string): TicketEventEntity {
  return Object.assign(new TicketEventEntity(), {
    // insertEvents reads only the reference's id.
    ticket: { id: ticketId } as unknown as Ref<TicketEntity>,
    kind: TicketChangeKind.STATUS_CHANGED,
    fromStatus: TicketStatus.OPEN,
    toStatus: TicketStatus.PENDING,
    actorType: ActorType.SYSTEM,
    at: new Date(),
    status: TicketStatus.PENDING,
    assigneeId: null,
    channelId: fixture.channelId,
    requesterId: fixture.requesterId,
  });
}

/** The production insert, on a raw client's open transaction; the new ids in row order. */
async function insert(client: pg.Client, rows: TicketEventEntity[]): Promise<string[]> {
  const { sql, params } = insertEvents(rows);
  const result = await client.query<{ id: string }>(numbered(sql), params);
  expect(result.rows).toHaveLength(rows.length);
  return result.rows.map((r) => String(r.id));
}

async function lockTicket(client: pg.Client, ticketId: string): Promise<void> {
  await client.query('select id from tickets where id = $1 for update', [ticketId]);
}

/** The ticket's last committed change, as a transaction holding its lock sees it. */
async function lastChange(client: pg.Client, ticketId: string): Promise<string | null> {
  const { rows } = await client.query<{ id: string | null }>(
    'select max(id)::text as id from ticket_events where ticket_id = $1',
    [ticketId],
  );
  return rows[0]!.id;
}

async function streamXidOf(client: pg.Client, id: string): Promise<bigint> {
  const { rows } = await client.query<{ xid: string }>(
    'select stream_xid::text as xid from ticket_events where id = $1',
    [id],
  );
  return BigInt(rows[0]!.xid);
}

async function currentXid(client: pg.Client): Promise<bigint> {
  const { rows } = await client.query<{ xid: string }>('select pg_current_xact_id()::text as xid');
  return BigInt(rows[0]!.xid);
}

interface WrittenTicket {
  ticketId: string;
  /** The ticket's last committed change when this transaction held its lock: its commit predecessor. */
  previous: string | null;
  ids: string[];
}

interface Transaction {
  tickets: WrittenTicket[];
  committed: boolean;
}

/** One writer: transactions of 1–3 changes on one or two tickets, some long, some rolled back. */
async function writer(
  client: pg.Client,
  fixture: Fixture,
  hot: string[],
  own: string,
): Promise<Transaction[]> {
  const done: Transaction[] = [];
  for (let n = 0; n < TRANSACTIONS_PER_WRITER; n++) {
    const onHot = Math.random() < 0.6;
    const ticketIds = onHot
      ? [...new Set([hot[random(hot.length)]!, hot[random(hot.length)]!])].sort()
      : [own];
    // The real change path locks every ticket it changes; this writer's own ticket is changed by
    // no one else, so some of its transactions skip the lock.
    const lock = onHot || Math.random() < 0.5;
    const transaction: Transaction = { tickets: [], committed: false };
    await client.query('begin');
    try {
      // Some take their transaction id long before they write (and maybe wait for a lock).
      if (Math.random() < 0.4) {
        await currentXid(client);
        await client.query('select pg_sleep($1)', [random(100) / 1000]);
      }
      const rows: TicketEventEntity[] = [];
      for (const ticketId of ticketIds) {
        if (lock) await lockTicket(client, ticketId);
        const count = 1 + random(3);
        transaction.tickets.push({ ticketId, previous: await lastChange(client, ticketId), ids: [] });
        for (let i = 0; i < count; i++) rows.push(eventRow(fixture, ticketId));
      }
      await client.query('select pg_sleep($1)', [random(50) / 1000]);
      const ids = await insert(client, rows);
      rows.forEach((row, i) =>
        transaction.tickets.find((t) => t.ticketId === row.ticket.id)!.ids.push(ids[i]!),
      );
      // Deliberately long: ids allocated now, committed much later.
      const long = Math.random() < 0.12;
      await client.query('select pg_sleep($1)', [(long ? 500 + random(400) : random(150)) / 1000]);
      if (Math.random() < 0.1) {
        await client.query('rollback');
      } else {
        await client.query('commit');
        transaction.committed = true;
      }
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
    done.push(transaction);
    await sleep(random(20));
  }
  return done;
}

interface Seen {
  id: string;
  ticketId: string;
  position: StreamPosition;
}

/** A tailing reader: readSettled from its own position, small pages, until it has read everything. */
async function reader(
  client: pg.Client,
  writing: { done: boolean },
): Promise<{ seen: Seen[]; heldBack: number }> {
  const query = queryOnClient(client);
  const seen: Seen[] = [];
  let position = STREAM_START;
  let heldBack = 0;
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    if (Date.now() > deadline) throw new Error('reader did not catch up');
    // Whether writing was over before this read: only then does an empty read mean the end.
    const finished = writing.done;
    const read = await readSettled(query, position, READ_LIMIT);
    if (read.heldBack) heldBack++;
    for (const change of read.changes) {
      expect(comparePositions(change.position, position)).toBeGreaterThan(0);
      position = change.position;
      seen.push({ id: change.id, ticketId: change.ticketId, position: change.position });
    }
    if (finished && read.changes.length === 0 && !read.heldBack) return { seen, heldBack };
    if (read.changes.length < READ_LIMIT) await sleep(random(25));
  }
}

/** The naive tail: changes with an id above the last one read. */
async function naiveReader(
  client: pg.Client,
  writing: { done: boolean },
  state: { last: bigint },
): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const finished = writing.done;
    const { rows } = await client.query<{ id: string }>(
      'select id::text as id from ticket_events where id > $1 order by id limit $2',
      [String(state.last), READ_LIMIT],
    );
    for (const row of rows) {
      seen.push(row.id);
      state.last = BigInt(row.id);
    }
    if (finished && rows.length === 0) return seen;
    if (rows.length < READ_LIMIT) await sleep(random(25));
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

/**
 * An id allocated early, committed late: A writes first and stays open; B writes after it and
 * commits; only once the naive reader has read B does A commit. The naive reader is past A's id
 * for good.
 */
async function earlyIdLateCommit(
  fixture: Fixture,
  [ticketA, ticketB]: string[],
  naive: { last: bigint },
): Promise<{ early: string; late: string }> {
  const [a, b] = [await connect(), await connect()];
  await a.query('begin');
  await lockTicket(a, ticketA!);
  const [early] = await insert(a, [eventRow(fixture, ticketA!)]);
  await b.query('begin');
  await lockTicket(b, ticketB!);
  const [late] = await insert(b, [eventRow(fixture, ticketB!)]);
  await b.query('commit');
  await waitUntil(() => naive.last >= BigInt(late!), 'the naive reader has read the later id');
  await a.query('select pg_sleep(0.2)');
  await a.query('commit');
  expect(BigInt(early!)).toBeLessThan(BigInt(late!));
  return { early: early!, late: late! };
}

/**
 * The lock-wait inversion: A takes its transaction id before B, then waits for the ticket's lock
 * B holds; B writes and commits first. A's change must come after B's, though its xid is lower.
 */
async function lockWaitInversion(
  fixture: Fixture,
  ticketId: string,
): Promise<{ first: string; second: string; xidA: bigint; xidB: bigint; streamXidA: bigint }> {
  const [a, b] = [await connect(), await connect()];
  const { rows } = await a.query<{ pid: number }>('select pg_backend_pid() as pid');
  const pidA = rows[0]!.pid;
  await a.query('begin');
  const xidA = await currentXid(a);
  await b.query('begin');
  const xidB = await currentXid(b);
  await lockTicket(b, ticketId);
  const lockedA = lockTicket(a, ticketId);
  await waitUntil(async () => {
    const { rows: waiting } = await b.query<{ w: string | null }>(
      'select wait_event_type as w from pg_stat_activity where pid = $1',
      [pidA],
    );
    return waiting[0]?.w === 'Lock';
  }, 'A waits for the ticket lock');
  const [first] = await insert(b, [eventRow(fixture, ticketId)]);
  await b.query('select pg_sleep(0.1)');
  await b.query('commit');
  await lockedA;
  expect(await lastChange(a, ticketId)).toBe(first);
  const [second] = await insert(a, [eventRow(fixture, ticketId)]);
  const streamXidA = await streamXidOf(a, second!);
  await a.query('select pg_sleep(0.2)');
  await a.query('commit');
  return { first: first!, second: second!, xidA, xidB, streamXidA };
}

describe('the event stream', () => {
  it('gives every tailing reader every committed change exactly once, in one order, under concurrent long writers', async () => {
    const setup = await connect();
    const fixture = await createFixture(setup);
    const hot = await createTickets(setup, fixture, HOT_TICKETS);
    const own = await createTickets(setup, fixture, WRITERS);
    const [naiveTickets, inversionTicket] = [
      await createTickets(setup, fixture, 2),
      await createTickets(setup, fixture, 1),
    ];

    const writing = { done: false };
    const naiveState = { last: 0n };
    const readers = await Promise.all(Array.from({ length: READERS }, () => connect()));
    const reading = readers.map((client) => reader(client, writing));
    const naiveReading = naiveReader(await connect(), writing, naiveState);
    const writerClients = await Promise.all(Array.from({ length: WRITERS }, () => connect()));

    let transactions: Transaction[][];
    let earlyLate: Awaited<ReturnType<typeof earlyIdLateCommit>>;
    let inversion: Awaited<ReturnType<typeof lockWaitInversion>>;
    try {
      [transactions, earlyLate, inversion] = await Promise.all([
        Promise.all(writerClients.map((client, i) => writer(client, fixture, hot, own[i]!))),
        sleep(300).then(() => earlyIdLateCommit(fixture, naiveTickets, naiveState)),
        sleep(600).then(() => lockWaitInversion(fixture, inversionTicket[0]!)),
      ]);
    } finally {
      writing.done = true;
    }
    const results = await Promise.all(reading);
    const naiveSeen = await naiveReading;

    // What was committed, in the log's own order.
    const { rows: log } = await setup.query<{ id: string; stream_xid: string; ticket_id: string }>(
      // Qualified: the bare names would order by the text columns.
      `select e.id::text as id, e.stream_xid::text as stream_xid, e.ticket_id
         from ticket_events e order by e.stream_xid, e.id`,
    );
    const all = transactions.flat();
    const committedIds = all.filter((t) => t.committed).flatMap((t) => t.tickets.flatMap((w) => w.ids));
    const rolledBackIds = all.filter((t) => !t.committed).flatMap((t) => t.tickets.flatMap((w) => w.ids));
    const forced = [earlyLate.early, earlyLate.late, inversion.first, inversion.second];
    expect(new Set(log.map((r) => r.id))).toEqual(new Set([...committedIds, ...forced]));
    expect(rolledBackIds.length).toBeGreaterThan(0);

    const expected = log.map((r) => r.id);
    const stored = new Set(expected);
    for (const { seen } of results) {
      const ids = seen.map((s) => s.id);
      // Exactly once each, nothing rolled back, in the log's (stream_xid, id) order.
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => !stored.has(id))).toEqual([]);
      expect(ids).toEqual(expected);
      for (let i = 1; i < seen.length; i++) {
        expect(comparePositions(seen[i - 1]!.position, seen[i]!.position)).toBeLessThan(0);
      }
    }
    // Every reader read the same sequence.
    for (const { seen } of results.slice(1)) expect(seen).toEqual(results[0]!.seen);

    // Each ticket's changes in their commit order: in the stream, the change before a transaction's
    // first change on a ticket is the one that was the ticket's last when it held the ticket's lock,
    // and its changes follow one another; ids, allocated under the lock, ascend.
    const byTicket = new Map<string, string[]>();
    for (const s of results[0]!.seen) byTicket.set(s.ticketId, [...(byTicket.get(s.ticketId) ?? []), s.id]);
    for (const ids of byTicket.values()) {
      expect(ids).toEqual([...ids].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1)));
    }
    for (const transaction of all.filter((t) => t.committed)) {
      for (const written of transaction.tickets) {
        const ids = byTicket.get(written.ticketId)!;
        const at = ids.indexOf(written.ids[0]!);
        expect(ids.slice(at, at + written.ids.length)).toEqual(written.ids);
        expect(at === 0 ? null : ids[at - 1]).toBe(written.previous);
      }
    }

    // The forced inversion: A's xid is lower, yet its change follows B's, which committed first.
    expect(inversion.xidA).toBeLessThan(inversion.xidB);
    expect(inversion.streamXidA).toBe(inversion.xidB);
    const order = expected;
    expect(order.indexOf(inversion.first)).toBeLessThan(order.indexOf(inversion.second));
    expect(byTicket.get(inversionTicket[0]!)).toEqual([inversion.first, inversion.second]);

    // The early id committed late is read by every tailing reader, and before the later one...
    expect(order.indexOf(earlyLate.early)).toBeLessThan(order.indexOf(earlyLate.late));
    // ...while a naive `id > last` tail skipped it for good: the workload can fail a wrong reader.
    expect(naiveSeen).toContain(earlyLate.late);
    expect(naiveSeen).not.toContain(earlyLate.early);
    expect(new Set(naiveSeen).size).toBeLessThan(stored.size);
    // Readers were made to wait for transactions still running.
    expect(results.every((r) => r.heldBack > 0)).toBe(true);
  });

  it('is held back by an open transaction of its own database only, not by one of another database on the server', async () => {
    const writer = await connect();
    const fixture = await createFixture(writer);
    const [ticketId] = await createTickets(writer, fixture, 1);
    const tail = queryOnClient(await connect());
    let from: StreamPosition = STREAM_START;
    const readAll = async () => {
      const read = await readSettled(tail, from, 1_000);
      if (read.changes.length > 0) from = read.changes.at(-1)!.position;
      return read;
    };
    await readAll();

    // Another database on the same server (the tests share one) holds a transaction id open.
    const elsewhere = await createTestDatabase();
    const other = new pg.Client({ connectionString: elsewhere.url });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('select pg_current_xact_id()');
      await writer.query('begin');
      const [id] = await insert(writer, [eventRow(fixture, ticketId!)]);
      await writer.query('commit');
      const read = await readAll();
      expect(read.changes.map((c) => c.id)).toEqual([id]);
      expect(read.heldBack).toBe(false);

      // One of this database, opened before the next change, holds it back until it ends.
      const local = await connect();
      await local.query('begin');
      await local.query('select pg_current_xact_id()');
      await writer.query('begin');
      const [held] = await insert(writer, [eventRow(fixture, ticketId!)]);
      await writer.query('commit');
      const blocked = await readAll();
      expect(blocked.changes).toEqual([]);
      expect(blocked.heldBack).toBe(true);
      await local.query('commit');
      expect((await readAll()).changes.map((c) => c.id)).toEqual([held]);
    } finally {
      await other.query('rollback').catch(() => undefined);
      await other.end();
      await elsewhere.drop();
    }
  });
});
