import { Migration } from '@mikro-orm/migrations';

/**
 * Optional skills (docs/domain.md "Skills timeout"): a channel's, copied to each new ticket, and
 * the ticket's own, which `updateTicket` changes; none for what exists already. The TICKET_UPDATED
 * change records `updateTicket`; like TRANSFERRED it needs only its kind.
 *
 * `ALTER TYPE … ADD VALUE` runs inside the migrations' one transaction, as TRANSFERRED's did
 * (Migration20261201530000_transfer): no migration of the same run may use the new value.
 */
export class Migration20261201610000_optional_skills extends Migration {
  override async up(): Promise<void> {
    // The default fills the rows there are, and any insert that does not name the column.
    this.addSql(`alter table "channels" add column "optional_skills" text[] not null default '{}';`);
    this.addSql(`alter table "tickets" add column "optional_skills" text[] not null default '{}';`);
    this.addSql(`alter type "ticket_change_kind" add value if not exists 'TICKET_UPDATED';`);
  }

  override async down(): Promise<void> {
    // PostgreSQL cannot drop an enum value: the type is made again without it. The updates go from
    // the log (their deliveries with them) and from the endpoints that asked for them; the tickets
    // keep the priority and required skills the updates left.
    this.addSql(`delete from "ticket_events" where "kind" = 'TICKET_UPDATED';`);
    this.addSql(`update "webhook_endpoints" set "kinds" = array_remove("kinds", 'TICKET_UPDATED');`);
    this.addSql(`alter type "ticket_change_kind" rename to "ticket_change_kind_old";`);
    this.addSql(
      `create type "ticket_change_kind" as enum ('CREATED', 'OFFERED', 'OFFER_DECLINED', 'OFFER_EXPIRED', 'ASSIGNED', 'STATUS_CHANGED', 'REOPENED', 'MESSAGE_ADDED', 'MESSAGE_UPDATED', 'TRANSFERRED');`,
    );
    this.addSql(
      `alter table "ticket_events" alter column "kind" type "ticket_change_kind" using "kind"::text::"ticket_change_kind";`,
    );
    this.addSql(`drop type "ticket_change_kind_old";`);
    this.addSql(`alter table "tickets" drop column "optional_skills";`);
    this.addSql(`alter table "channels" drop column "optional_skills";`);
  }
}
