import { Migration } from '@mikro-orm/migrations';

/**
 * The event log becomes the one ordered stream (docs/domain.md "The event stream"):
 * - `stream_xid`, the first half of a change's position: at least the id of the transaction that
 *   wrote it (readers read only below the oldest transaction still running, so nothing commits
 *   behind them) and at least the ticket's previous change's (so a ticket's changes keep their
 *   commit order);
 * - the ticket's status and assignee right after the change, its channel and requester, so a
 *   filtered read of the log needs nothing else.
 * Rows already there were all committed: they take this migration's transaction id and keep their
 * id order; their state after each change is folded from the log itself.
 */
export class Migration20261201100000_event_stream extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "ticket_events"
      add column "stream_xid" xid8 null,
      add column "status" "ticket_status" null,
      add column "assignee_id" uuid null,
      add column "channel_id" uuid null,
      add column "requester_id" uuid null;`);
    // The status after a change: the last to_status up to it; the assignee: the agent of the last
    // ASSIGNED change up to it (an ASSIGNED to nobody is back to the queue).
    this.addSql(`with runs as (
        select id, ticket_id, to_status, agent_id,
          count(to_status) over w as status_run,
          count(*) filter (where kind = 'ASSIGNED') over w as assignee_run
        from "ticket_events"
        window w as (partition by ticket_id order by id)
      ), folded as (
        select id,
          first_value(to_status) over (partition by ticket_id, status_run order by id) as status,
          case when assignee_run > 0
            then first_value(agent_id) over (partition by ticket_id, assignee_run order by id) end as assignee_id
        from runs
      )
      update "ticket_events" e
         set "stream_xid" = pg_current_xact_id(),
             "status" = coalesce(f.status, 'NEW'),
             "assignee_id" = f.assignee_id,
             "channel_id" = t.channel_id,
             "requester_id" = t.requester_id
        from folded f, "tickets" t
       where f.id = e.id and t.id = e.ticket_id;`);
    this.addSql(`alter table "ticket_events"
      alter column "stream_xid" set not null,
      alter column "status" set not null,
      alter column "channel_id" set not null,
      alter column "requester_id" set not null;`);
    this.addSql(`create index "ticket_events_stream_index" on "ticket_events" ("stream_xid", "id");`);
    this.addSql(
      `create index "ticket_events_channel_stream_index" on "ticket_events" ("channel_id", "stream_xid", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "ticket_events_channel_stream_index";`);
    this.addSql(`drop index if exists "ticket_events_stream_index";`);
    this.addSql(`alter table "ticket_events"
      drop column "requester_id", drop column "channel_id", drop column "assignee_id",
      drop column "status", drop column "stream_xid";`);
  }
}
