import type { Ref } from '@mikro-orm/core';
import { migrationsList } from '../../migrations';
import { migrate } from '../../src/db/migrate';
import { STREAM_START, type StreamPosition } from '../../src/domain/stream/stream-position';
import { ActorType, TicketChangeKind, TicketStatus } from '../../src/domain/ticket/ticket.enums';
import { TicketEventEntity } from '../../src/entities/ticket-event.entity';
import type { TicketEntity } from '../../src/entities/ticket.entity';
import {
  insertEvents,
  type LoggedChange,
  type Query,
  queryOn,
  readSettled,
} from '../../src/events/event-log.store';
import { openMigrationDatabase, type MigrationDatabase } from '../support/migration-database';

/**
 * Migration20261201100000_event_stream on a database that already has a history: every existing
 * change gets the ticket's state right after it (folded from the log), its channel and requester,
 * and one stream_xid, so the stream reads the old rows in their id order.
 */

const EVENT_STREAM = 'Migration20261201100000_event_stream';
const BEFORE_EVENT_STREAM = 'Migration20261201000000_ticket_stats';
const PREVIOUS_STATE = 'Migration20261201200000_change_previous_state';

let db: MigrationDatabase;
beforeEach(async () => {
  db = await openMigrationDatabase();
});
afterEach(() => db.close());

interface Expected {
  id: string;
  ticketId: string;
  status: TicketStatus;
  assigneeId: string | null;
}

/** readSettled from `from` until it has `count` changes and nothing is held back. */
async function settledRead(query: Query, from: StreamPosition, count: number): Promise<LoggedChange[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const read = await readSettled(query, from, 100);
    if (read.changes.length >= count && !read.heldBack) return read.changes;
    if (Date.now() > deadline) throw new Error('the log did not settle');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the event stream migration', () => {
  it('backfills each existing change with the ticket state right after it and one stream_xid', async () => {
    const { orm, client, one } = db;
    const stepped = await orm.getMigrator().up({ to: BEFORE_EVENT_STREAM });
    expect(stepped.map((m) => m.name)).toEqual(
      migrationsList
        .map((m) => m.name)
        .slice(
          0,
          migrationsList.findIndex((m) => m.name === EVENT_STREAM),
        ),
    );
    const pending = await orm.getMigrator().getPendingMigrations();
    // This one and every later one (the later ones add to what this test checks, or leave it be).
    const names = migrationsList.map((m) => m.name);
    expect(pending.map((m) => m.name)).toEqual(names.slice(names.indexOf(EVENT_STREAM)));
    expect(names).toContain(PREVIOUS_STATE);

    // Two channels, one requester each, two agents.
    const styleId = await db.styleId();
    const channels: string[] = [];
    const requesters: string[] = [];
    for (const name of ['Web', 'Chat']) {
      const channelId = await db.channel(name, styleId);
      channels.push(channelId);
      requesters.push(await db.endUser(channelId, `user-${name}`));
    }
    const [x, y] = await Promise.all(['x', 'y'].map((name) => db.agent(name)));
    // Tickets as they stand at the end of their history below.
    const ticket = (i: number, status: TicketStatus, assigneeId: string | null) =>
      db.ticket({ status, channelId: channels[i]!, styleId, requesterId: requesters[i]!, assigneeId });
    const t1 = await ticket(0, TicketStatus.OPEN, y!);
    const t2 = await ticket(1, TicketStatus.CLOSED, y!);
    // A ticket whose history has no status at all: NEW.
    const t3 = await ticket(0, TicketStatus.NEW, null);

    // Interleaved by id; after each: the status and assignee the backfill must find.
    const { NEW, OPEN, PENDING, SOLVED, CLOSED } = TicketStatus;
    const K = TicketChangeKind;
    const history: [
      ticket: string,
      kind: TicketChangeKind,
      from: TicketStatus | null,
      to: TicketStatus | null,
      agent: string | null,
      status: TicketStatus,
      assignee: string | null,
    ][] = [
      [t1, K.CREATED, null, NEW, null, NEW, null],
      [t2, K.CREATED, null, NEW, null, NEW, null],
      [t1, K.MESSAGE_ADDED, null, null, null, NEW, null],
      [t1, K.OFFERED, null, null, x!, NEW, null],
      [t3, K.MESSAGE_ADDED, null, null, null, NEW, null],
      [t2, K.OFFERED, null, null, y!, NEW, null],
      [t1, K.ASSIGNED, null, null, x!, NEW, x!],
      [t2, K.OFFER_DECLINED, null, null, y!, NEW, null],
      [t1, K.STATUS_CHANGED, NEW, OPEN, null, OPEN, x!],
      [t3, K.OFFERED, null, null, y!, NEW, null],
      [t2, K.ASSIGNED, null, null, y!, NEW, y!],
      [t2, K.STATUS_CHANGED, NEW, OPEN, null, OPEN, y!],
      [t1, K.STATUS_CHANGED, OPEN, PENDING, null, PENDING, x!],
      [t1, K.MESSAGE_ADDED, null, null, null, PENDING, x!],
      // Back to the queue.
      [t1, K.ASSIGNED, null, null, null, PENDING, null],
      [t2, K.STATUS_CHANGED, OPEN, SOLVED, null, SOLVED, y!],
      [t1, K.STATUS_CHANGED, PENDING, NEW, null, NEW, null],
      [t1, K.MESSAGE_ADDED, null, null, null, NEW, null],
      [t2, K.REOPENED, null, null, null, SOLVED, y!],
      [t1, K.ASSIGNED, null, null, y!, NEW, y!],
      [t2, K.STATUS_CHANGED, SOLVED, OPEN, null, OPEN, y!],
      [t1, K.STATUS_CHANGED, NEW, OPEN, null, OPEN, y!],
      [t2, K.MESSAGE_ADDED, null, null, null, OPEN, y!],
      [t2, K.STATUS_CHANGED, OPEN, CLOSED, null, CLOSED, y!],
      [t1, K.MESSAGE_ADDED, null, null, null, OPEN, y!],
    ];
    const expected: Expected[] = [];
    for (const [ticketId, kind, from, to, agent, status, assigneeId] of history) {
      const row = await one<{ id: string }>(
        `insert into ticket_events (ticket_id, kind, from_status, to_status, agent_id, actor_type, at)
         values ($1, $2, $3, $4, $5, 'SYSTEM', now()) returning id::text as id`,
        [ticketId, kind, from, to, agent],
      );
      expected.push({ id: row.id, ticketId, status, assigneeId });
    }

    await migrate(orm, db.url);

    const { rows } = await client.query<{
      id: string;
      ticket_id: string;
      status: TicketStatus;
      assignee_id: string | null;
      channel_id: string;
      requester_id: string;
      stream_xid: string;
    }>(
      `select e.id::text as id, e.ticket_id, e.status, e.assignee_id, e.channel_id, e.requester_id,
              e.stream_xid::text as stream_xid
         from ticket_events e order by e.id`,
    );
    // t1 and t3 are the first channel's (and its requester's), t2 the second's.
    const sideOf = (ticketId: string) => (ticketId === t2 ? 1 : 0);
    expect(
      rows.map(({ id, ticket_id, status, assignee_id, channel_id, requester_id }) => ({
        id,
        ticketId: ticket_id,
        status,
        assigneeId: assignee_id,
        channelId: channel_id,
        requesterId: requester_id,
      })),
    ).toEqual(
      expected.map((e) => ({
        ...e,
        channelId: channels[sideOf(e.ticketId)],
        requesterId: requesters[sideOf(e.ticketId)],
      })),
    );
    // The last change of each ticket agrees with the ticket itself.
    const { rows: tickets } = await client.query<{ id: string; status: string; assignee_id: string | null }>(
      'select id, status, assignee_id from tickets',
    );
    for (const t of tickets) {
      const last = [...expected].reverse().find((e) => e.ticketId === t.id)!;
      expect({ status: last.status, assigneeId: last.assigneeId }).toEqual({
        status: t.status,
        assigneeId: t.assignee_id,
      });
    }

    // The state before each change is the state after the one before it on its ticket; a ticket's
    // first change has none.
    const { rows: previous } = await client.query<{
      ticket_id: string;
      previous_status: string | null;
      previous_assignee_id: string | null;
    }>(`select ticket_id, previous_status, previous_assignee_id from ticket_events order by id`);
    const lastOf = new Map<string, { status: string; assigneeId: string | null }>();
    expect(previous.map((p) => ({ status: p.previous_status, assigneeId: p.previous_assignee_id }))).toEqual(
      expected.map((e) => {
        const before = lastOf.get(e.ticketId) ?? { status: null, assigneeId: null };
        lastOf.set(e.ticketId, { status: e.status, assigneeId: e.assigneeId });
        return before;
      }),
    );

    // One stream_xid for every old row: the migration's transaction's.
    const xids = new Set(rows.map((r) => r.stream_xid));
    expect(xids.size).toBe(1);
    const [backfilled] = [...xids].map(BigInt);
    expect(backfilled! > 0n).toBe(true);

    // The stream reads the old rows in their id order (once settled: the horizon is the whole
    // cluster's, and other test files' transactions may be running on it).
    const em = orm.em.fork();
    const query = queryOn(em);
    const read = await settledRead(query, STREAM_START, expected.length);
    expect(read.map((c) => c.id)).toEqual(expected.map((e) => e.id));
    expect(read.every((c) => c.position.xid === backfilled)).toBe(true);

    // A change written afterwards comes after all of them.
    const next = Object.assign(new TicketEventEntity(), {
      ticket: { id: t1 } as unknown as Ref<TicketEntity>,
      kind: TicketChangeKind.MESSAGE_ADDED,
      actorType: ActorType.SYSTEM,
      at: new Date(),
      status: TicketStatus.OPEN,
      assigneeId: y!,
      channelId: channels[0]!,
      requesterId: requesters[0]!,
    });
    const { sql, params } = insertEvents([next]);
    const [written] = await em.execute<{ id: string }[]>(sql, params);
    const after = await settledRead(query, read.at(-1)!.position, 1);
    expect(after.map((c) => c.id)).toEqual([String(written!.id)]);
    expect(after[0]!.position.xid).toBeGreaterThan(backfilled!);

    // The new columns are NOT NULL, but for the assignee.
    const { rows: columns } = await client.query<{
      column_name: string;
      is_nullable: string;
      data_type: string;
    }>(
      `select column_name, is_nullable, data_type from information_schema.columns
        where table_name = 'ticket_events'
          and column_name in ('stream_xid', 'status', 'assignee_id', 'channel_id', 'requester_id')
        order by column_name`,
    );
    expect(columns.map((c) => [c.column_name, c.is_nullable])).toEqual([
      ['assignee_id', 'YES'],
      ['channel_id', 'NO'],
      ['requester_id', 'NO'],
      ['status', 'NO'],
      ['stream_xid', 'NO'],
    ]);
    const values: Record<string, string> = {
      stream_xid: 'pg_current_xact_id()',
      status: "'NEW'",
      channel_id: client.escapeLiteral(channels[0]!),
      requester_id: client.escapeLiteral(requesters[0]!),
    };
    for (const column of Object.keys(values)) {
      const row = { ...values, [column]: 'null' };
      await expect(
        client.query(
          `insert into ticket_events (ticket_id, kind, actor_type, at, ${Object.keys(row).join(', ')})
           values (${client.escapeLiteral(t1)}, 'MESSAGE_ADDED', 'SYSTEM', now(), ${Object.values(row).join(', ')})`,
        ),
      ).rejects.toMatchObject({ code: '23502', column });
    }

    // And the schema is what the entities describe, with the data in it.
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });
});
