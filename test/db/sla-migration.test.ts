import { openMigrationDatabase, type MigrationDatabase } from '../support/migration-database';

/**
 * Migration20261201620000_sla (docs/domain.md "SLA"): the policies, the tickets' SLA columns and
 * the SLA_BREACHED kind, which its down() takes out of the enum again (PostgreSQL cannot drop an
 * enum value in place) with the changes that used it and the endpoints' wish for it.
 */

const BEFORE = 'Migration20261201610000_optional_skills';
const SLA = 'Migration20261201620000_sla';

let db: MigrationDatabase;
beforeEach(async () => {
  db = await openMigrationDatabase();
});
afterEach(() => db.close());

const kinds = () => db.changeKinds();

describe('the SLA migration', () => {
  it('adds SLA_BREACHED last and the SLA columns, and takes them out again on the way down', async () => {
    const { orm } = db;
    await orm.getMigrator().up({ to: BEFORE });
    const before = await kinds();
    await orm.getMigrator().up({ to: SLA });
    expect(await kinds()).toEqual([...before, 'SLA_BREACHED']);

    const styleId = await db.styleId();
    const channelId = await db.channel('WhatsApp', styleId);
    const requesterId = await db.endUser(channelId, 'user-1');
    const ticketId = await db.ticket({ status: 'NEW', channelId, styleId, requesterId, assigneeId: null });
    const policy = await db.client.query<{ id: string }>(
      `insert into sla_policies (id, name, position, channel_ids, first_reply_seconds, business_hours, created_at, updated_at)
       values (gen_random_uuid(), 'P', 0, array[$1::uuid], 60, '{"timeZone":"UTC","weekly":[],"holidays":[]}', now(), now())
       returning id`,
      [channelId],
    );
    await db.client.query(
      `update tickets set sla_policy_id = $1, first_reply_due_at = now(), sla_breached = '{FIRST_REPLY}' where id = $2`,
      [policy.rows[0]!.id, ticketId],
    );
    for (const kind of ['CREATED', 'SLA_BREACHED']) {
      await db.client.query(
        `insert into ticket_events (ticket_id, kind, actor_type, at, stream_xid, status, channel_id, requester_id)
         values ($1, $2, 'SYSTEM', now(), pg_current_xact_id(), 'NEW', $3, $4)`,
        [ticketId, kind, channelId, requesterId],
      );
    }
    await db.client.query(
      `insert into webhook_endpoints (id, url, kinds, secret, stream_xid, stream_id, created_at, updated_at)
       values (gen_random_uuid(), 'https://example.com/hook', '{CREATED,SLA_BREACHED}', 's', '0', 0, now(), now())`,
    );

    // `to` is inclusive on the way down: this reverts the SLA migration alone.
    await orm.getMigrator().down({ to: SLA });
    expect(await kinds()).toEqual(before);
    const events = await db.client.query<{ kind: string }>('select kind::text from ticket_events');
    expect(events.rows).toEqual([{ kind: 'CREATED' }]);
    const endpoints = await db.client.query<{ kinds: string[] }>('select kinds from webhook_endpoints');
    expect(endpoints.rows).toEqual([{ kinds: ['CREATED'] }]);
    const left = await db.client.query<{ n: number }>(
      `select count(*)::int as n from information_schema.columns
        where table_name = 'tickets' and column_name like any (array['sla%', '%due_at', 'reply_owed_since'])`,
    );
    expect(left.rows[0]!.n).toBe(0);
    const table = await db.client.query(`select to_regclass('sla_policies') as t`);
    expect(table.rows).toEqual([{ t: null }]);

    // And up again: the schema is what the entities describe.
    await orm.getMigrator().up();
    expect((await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
  });
});
