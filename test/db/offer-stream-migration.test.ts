import { migrationsList } from '../../migrations';
import { migrate } from '../../src/db/migrate';
import { offeredToAfter } from '../../src/domain/ticket/ticket-load';
import { TicketChangeKind } from '../../src/domain/ticket/ticket.enums';
import { openMigrationDatabase, type MigrationDatabase } from '../support/migration-database';

/**
 * Migration20261201300000_offer_in_event_stream on a log that already has offers in it: every
 * existing change gets the agent its ticket was offered to right after it and right before it,
 * folded from the log, so TicketFilter.offeredToId matches old changes as it does new ones.
 */

const BEFORE = 'Migration20261201200000_change_previous_state';
const OFFER_IN_STREAM = 'Migration20261201300000_offer_in_event_stream';

let db: MigrationDatabase;
beforeEach(async () => {
  db = await openMigrationDatabase();
});
afterEach(() => db.close());

describe('the offer-in-the-event-stream migration', () => {
  it('backfills each existing change with the offer right after and right before it', async () => {
    const { orm, client } = db;
    await orm.getMigrator().up({ to: BEFORE });
    const pending = await orm.getMigrator().getPendingMigrations();
    expect(pending[0]?.name).toBe(OFFER_IN_STREAM);
    expect(migrationsList.map((m) => m.name)).toContain(OFFER_IN_STREAM);

    const styleId = await db.styleId();
    const channelId = await db.channel('Web', styleId);
    const [x, y] = await Promise.all(['x', 'y'].map((name) => db.agent(name)));
    // Tickets as they stand at the end of their history below (t2's offer to y still open).
    const ticket = async (
      n: number,
      status: string,
      assigneeId: string | null,
      offeredToId: string | null,
    ) => {
      const requesterId = await db.endUser(channelId, `user-${n}`);
      return db.ticket({ status, channelId, styleId, requesterId, assigneeId, offeredToId });
    };
    const t1 = await ticket(1, 'OPEN', y!, null);
    const t2 = await ticket(2, 'NEW', null, y!);
    // A ticket whose history starts without CREATED (no offer is known until one is made).
    const t3 = await ticket(3, 'NEW', null, null);

    // Interleaved by id; after each: the agent the ticket is offered to, then the one before.
    const K = TicketChangeKind;
    const history: [
      ticket: string,
      kind: TicketChangeKind,
      agent: string | null,
      after: string | null,
      before: string | null,
    ][] = [
      [t1, K.CREATED, null, null, null],
      [t2, K.CREATED, null, null, null],
      [t3, K.MESSAGE_ADDED, null, null, null],
      [t1, K.OFFERED, x!, x!, null],
      [t2, K.OFFERED, x!, x!, null],
      [t1, K.MESSAGE_ADDED, null, x!, x!],
      // x declines t1; x's offer of t2 expires.
      [t1, K.OFFER_DECLINED, x!, null, x!],
      [t2, K.OFFER_EXPIRED, x!, null, x!],
      [t3, K.OFFERED, y!, y!, null],
      [t1, K.OFFERED, y!, y!, null],
      [t2, K.OFFERED, y!, y!, null],
      // y accepts t1: ASSIGNED, then NEW → OPEN.
      [t1, K.ASSIGNED, y!, null, y!],
      [t1, K.STATUS_CHANGED, null, null, null],
      // An admin gives t2 to x: y's offer is withdrawn first.
      [t2, K.OFFER_DECLINED, y!, null, y!],
      [t2, K.ASSIGNED, x!, null, null],
      [t3, K.MESSAGE_ADDED, null, y!, y!],
      // t3's offer goes with an admin's assignment to the offered agent itself.
      [t3, K.ASSIGNED, y!, null, y!],
      [t2, K.STATUS_CHANGED, null, null, null],
      // Back to the queue, and offered again: that offer is still open.
      [t2, K.ASSIGNED, null, null, null],
      [t2, K.STATUS_CHANGED, null, null, null],
      [t2, K.OFFERED, y!, y!, null],
      [t1, K.MESSAGE_ADDED, null, null, null],
      [t2, K.MESSAGE_ADDED, null, y!, y!],
      [t1, K.REOPENED, null, null, null],
    ];
    for (const [ticketId, kind, agentId] of history) {
      await client.query(
        `insert into ticket_events (ticket_id, kind, agent_id, actor_type, at, stream_xid, status, channel_id,
           requester_id)
         select $1, $2, $3, 'SYSTEM', now(), pg_current_xact_id(), 'NEW', t.channel_id, t.requester_id
           from tickets t where t.id = $1`,
        [ticketId, kind, agentId],
      );
    }
    // The table agrees with the rule new changes are recorded with (domain/ticket/ticket-load.ts).
    const folded = new Map<string, string | null>();
    for (const [ticketId, kind, agentId, after, before] of history) {
      const was = folded.get(ticketId) ?? null;
      expect([offeredToAfter({ kind, agentId }, was), was]).toEqual([after, before]);
      folded.set(ticketId, after);
    }

    await migrate(orm, db.url);

    const { rows } = await client.query<{
      ticket_id: string;
      kind: string;
      offered_to_id: string | null;
      previous_offered_to_id: string | null;
    }>('select ticket_id, kind, offered_to_id, previous_offered_to_id from ticket_events order by id');
    expect(rows.map((r) => [r.ticket_id, r.kind, r.offered_to_id, r.previous_offered_to_id])).toEqual(
      history.map(([ticketId, kind, , after, before]) => [ticketId, kind, after, before]),
    );

    // The last change of each ticket agrees with the ticket itself.
    const { rows: tickets } = await client.query<{ id: string; offered_to_id: string | null }>(
      'select id, offered_to_id from tickets',
    );
    for (const t of tickets) {
      const last = [...history].reverse().find(([ticketId]) => ticketId === t.id)!;
      expect(last[3]).toBe(t.offered_to_id);
    }

    // And the schema is what the entities describe, with the data in it.
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });
});
