import { openMigrationDatabase, type MigrationDatabase } from '../support/migration-database';

/**
 * Migration20261201410000_message_delivery: the receipts' columns, whose constraints repeat the
 * domain's rules (docs/domain.md "Delivery receipts"), and the MESSAGE_UPDATED kind, which its
 * down() takes out of the enum again (PostgreSQL cannot drop an enum value in place).
 */

const BEFORE = 'Migration20261201400000_webhooks';
const RECEIPTS = 'Migration20261201410000_message_delivery';

let db: MigrationDatabase;
beforeEach(async () => {
  db = await openMigrationDatabase();
});
afterEach(() => db.close());

async function fixture() {
  const styleId = await db.styleId();
  const channelId = await db.channel('WhatsApp', styleId);
  const requesterId = await db.endUser(channelId, 'user-1');
  const ticketId = await db.ticket({ status: 'NEW', channelId, styleId, requesterId, assigneeId: null });
  const message = (sequence: number, authorType: string) =>
    db.one<{ id: string }>(
      `insert into messages (id, ticket_id, channel_id, sequence, author_type, body, created_at)
       values (gen_random_uuid(), $1, $2, $3, $4, 'hi', now()) returning id`,
      [ticketId, channelId, sequence, authorType],
    );
  const change = (kind: string, messageId: string) =>
    db.client.query(
      `insert into ticket_events (ticket_id, kind, message_id, actor_type, at, stream_xid, status, channel_id,
         requester_id)
       values ($1, $2, $3, 'INTEGRATION', now(), pg_current_xact_id(), 'NEW', $4, $5)`,
      [ticketId, kind, messageId, channelId, requesterId],
    );
  return { message, change };
}

const kinds = () => db.changeKinds();

describe('the message delivery migration', () => {
  it('refuses in the database what the domain refuses', async () => {
    await db.orm.getMigrator().up();
    const { message } = await fixture();
    const agentMessage = (await message(1, 'AGENT')).id;
    const endUserMessage = (await message(2, 'END_USER')).id;
    const set = (id: string, columns: string) =>
      db.client.query(`update messages set ${columns} where id = $1`, [id]);

    const refused: [string, string, string][] = [
      ["a receipt for an end user's message", endUserMessage, "delivery_status = 'SENT'"],
      ['FAILED without its error', agentMessage, "delivery_status = 'FAILED'"],
      ['an error with another status', agentMessage, "delivery_status = 'SENT', delivery_error = 'x'"],
      ['an error without a status', agentMessage, "delivery_error = 'x'"],
      ['an empty error', agentMessage, "delivery_status = 'FAILED', delivery_error = ''"],
      [
        'an error of 1,001 characters',
        agentMessage,
        "delivery_status = 'FAILED', delivery_error = repeat('é', 1001)",
      ],
      ['read and never delivered', agentMessage, "delivery_status = 'READ', read_at = now()"],
    ];
    for (const [label, id, columns] of refused) {
      await expect(set(id, columns).then(() => label)).rejects.toMatchObject({ code: '23514' });
    }
    for (const columns of [
      "delivery_status = 'FAILED', delivery_error = repeat('é', 1000)",
      "delivery_status = 'READ', delivery_error = null, delivered_at = now(), read_at = now()",
    ]) {
      await set(agentMessage, columns);
    }
  });

  it('adds MESSAGE_UPDATED last, and takes it out again on the way down', async () => {
    const { orm } = db;
    await orm.getMigrator().up({ to: BEFORE });
    const before = await kinds();
    await orm.getMigrator().up({ to: RECEIPTS });
    expect(await kinds()).toEqual([...before, 'MESSAGE_UPDATED']);

    const { message, change } = await fixture();
    const id = (await message(1, 'AGENT')).id;
    await db.client.query(`update messages set delivery_status = 'SENT' where id = $1`, [id]);
    await change('MESSAGE_ADDED', id);
    await change('MESSAGE_UPDATED', id);

    await orm.getMigrator().down({ to: BEFORE });
    expect(await kinds()).toEqual(before);
    const { rows } = await db.client.query<{ kind: string }>('select kind::text from ticket_events');
    expect(rows).toEqual([{ kind: 'MESSAGE_ADDED' }]);
    const columns = await db.client.query(
      `select column_name from information_schema.columns
        where table_name = 'messages' and column_name in ('delivery_status', 'delivered_at', 'read_at', 'delivery_error')`,
    );
    expect(columns.rows).toEqual([]);

    // And up again: the schema is what the entities describe.
    await orm.getMigrator().up();
    expect((await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
  });
});
