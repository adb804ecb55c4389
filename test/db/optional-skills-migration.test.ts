import { openMigrationDatabase, type MigrationDatabase } from '../support/migration-database';

/**
 * Migration20261201610000_optional_skills: channels' and tickets' optional skills (none for the rows
 * there are) and the TICKET_UPDATED kind (docs/domain.md "Skills timeout"), which its down() takes
 * out of the enum again with the changes that used it and the endpoints' wish for it.
 */

const BEFORE = 'Migration20261201600000_routing_follows_agent';
const OPTIONAL_SKILLS = 'Migration20261201610000_optional_skills';

let db: MigrationDatabase;
beforeEach(async () => {
  db = await openMigrationDatabase();
});
afterEach(() => db.close());

const kinds = () => db.changeKinds();

const columns = async (table: string) =>
  (
    await db.client.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_name = $1 and column_name = 'optional_skills'`,
      [table],
    )
  ).rows.length;

describe('the optional skills migration', () => {
  it('gives existing channels and tickets no optional skills, adds TICKET_UPDATED last, and takes both out again', async () => {
    const { orm } = db;
    await orm.getMigrator().up({ to: BEFORE });
    const before = await kinds();
    const styleId = await db.styleId();
    const channelId = await db.channel('WhatsApp', styleId);
    const requesterId = await db.endUser(channelId, 'user-1');
    const ticketId = await db.ticket({ status: 'NEW', channelId, styleId, requesterId, assigneeId: null });

    await orm.getMigrator().up({ to: OPTIONAL_SKILLS });
    expect(await kinds()).toEqual([...before, 'TICKET_UPDATED']);
    expect(await db.one('select optional_skills from channels where id = $1', [channelId])).toEqual({
      optional_skills: [],
    });
    expect(await db.one('select optional_skills from tickets where id = $1', [ticketId])).toEqual({
      optional_skills: [],
    });

    for (const kind of ['CREATED', 'TICKET_UPDATED']) {
      await db.client.query(
        `insert into ticket_events (ticket_id, kind, actor_type, at, stream_xid, status, channel_id, requester_id)
         values ($1, $2, 'ADMIN', now(), pg_current_xact_id(), 'NEW', $3, $4)`,
        [ticketId, kind, channelId, requesterId],
      );
    }
    await db.client.query(
      `insert into webhook_endpoints (id, url, kinds, secret, stream_xid, stream_id, created_at, updated_at)
       values (gen_random_uuid(), 'https://example.com/hook', '{CREATED,TICKET_UPDATED}', 's', '0', 0, now(), now())`,
    );

    await orm.getMigrator().down({ to: BEFORE });
    expect(await kinds()).toEqual(before);
    expect(await columns('channels')).toBe(0);
    expect(await columns('tickets')).toBe(0);
    const events = await db.client.query<{ kind: string }>('select kind::text from ticket_events');
    expect(events.rows).toEqual([{ kind: 'CREATED' }]);
    const endpoints = await db.client.query<{ kinds: string[] }>('select kinds from webhook_endpoints');
    expect(endpoints.rows).toEqual([{ kinds: ['CREATED'] }]);

    // And up again: the schema is what the entities describe.
    await orm.getMigrator().up();
    expect((await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
  });
});
