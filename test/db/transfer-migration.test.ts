import { openMigrationDatabase, type MigrationDatabase } from '../support/migration-database';

/**
 * Migration20261201530000_transfer: the TRANSFERRED kind (docs/domain.md "Transfer"), which its
 * down() takes out of the enum again (PostgreSQL cannot drop an enum value in place), with the
 * changes that used it and the endpoints' wish for it.
 */

const BEFORE = 'Migration20261201520000_read_state_search';
const TRANSFER = 'Migration20261201530000_transfer';

let db: MigrationDatabase;
beforeEach(async () => {
  db = await openMigrationDatabase();
});
afterEach(() => db.close());

const kinds = () => db.changeKinds();

describe('the transfer migration', () => {
  it('adds TRANSFERRED last, and takes it out again on the way down', async () => {
    const { orm } = db;
    await orm.getMigrator().up({ to: BEFORE });
    const before = await kinds();
    await orm.getMigrator().up({ to: TRANSFER });
    expect(await kinds()).toEqual([...before, 'TRANSFERRED']);

    const styleId = await db.styleId();
    const channelId = await db.channel('WhatsApp', styleId);
    const requesterId = await db.endUser(channelId, 'user-1');
    const ticketId = await db.ticket({ status: 'NEW', channelId, styleId, requesterId, assigneeId: null });
    for (const kind of ['CREATED', 'TRANSFERRED']) {
      await db.client.query(
        `insert into ticket_events (ticket_id, kind, actor_type, at, stream_xid, status, channel_id, requester_id)
         values ($1, $2, 'ADMIN', now(), pg_current_xact_id(), 'NEW', $3, $4)`,
        [ticketId, kind, channelId, requesterId],
      );
    }
    await db.client.query(
      `insert into webhook_endpoints (id, url, kinds, secret, stream_xid, stream_id, created_at, updated_at)
       values (gen_random_uuid(), 'https://example.com/hook', '{CREATED,TRANSFERRED}', 's', '0', 0, now(), now())`,
    );

    await orm.getMigrator().down({ to: BEFORE });
    expect(await kinds()).toEqual(before);
    const events = await db.client.query<{ kind: string }>('select kind::text from ticket_events');
    expect(events.rows).toEqual([{ kind: 'CREATED' }]);
    const endpoints = await db.client.query<{ kinds: string[] }>('select kinds from webhook_endpoints');
    expect(endpoints.rows).toEqual([{ kinds: ['CREATED'] }]);

    // And up again: the schema is what the entities describe.
    await orm.getMigrator().up();
    expect((await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
  });
});
