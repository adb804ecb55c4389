import { Migration } from '@mikro-orm/migrations';

/**
 * The ticket's status and assignee right before each change (docs/domain.md "The event stream"): a
 * filtered reader receives a change when the ticket matched before or after it, so an inbox sees a
 * ticket leave. Rows already there take them from the change before them on the same ticket (a
 * ticket's first change has none).
 */
export class Migration20261201200000_change_previous_state extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "ticket_events"
      add column "previous_status" "ticket_status" null,
      add column "previous_assignee_id" uuid null;`);
    this.addSql(`update "ticket_events" e
         set "previous_status" = p.previous_status, "previous_assignee_id" = p.previous_assignee_id
        from (select id,
                lag(status) over w as previous_status,
                lag(assignee_id) over w as previous_assignee_id
              from "ticket_events"
              window w as (partition by ticket_id order by id)) p
       where p.id = e.id and p.previous_status is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "ticket_events" drop column "previous_assignee_id", drop column "previous_status";`,
    );
  }
}
