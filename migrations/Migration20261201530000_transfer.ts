import { Migration } from '@mikro-orm/migrations';

/**
 * Transfer (docs/domain.md "Transfer"): the TRANSFERRED change. It carries what the log's other
 * rows carry (the agent, the statuses, the state before and after), so it needs only its kind.
 *
 * `ALTER TYPE … ADD VALUE` runs inside the migrations' one transaction, as MESSAGE_UPDATED's did
 * (Migration20261201410000_message_delivery): no migration of the same run may use the new value.
 */
export class Migration20261201530000_transfer extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter type "ticket_change_kind" add value if not exists 'TRANSFERRED';`);
  }

  override async down(): Promise<void> {
    // PostgreSQL cannot drop an enum value: the type is made again without it. Transfers go from the
    // log (their deliveries with them) and from the endpoints that asked for them; the tickets keep
    // the state the transfers left, and the metrics folded from them.
    this.addSql(`delete from "ticket_events" where "kind" = 'TRANSFERRED';`);
    this.addSql(`update "webhook_endpoints" set "kinds" = array_remove("kinds", 'TRANSFERRED');`);
    this.addSql(`alter type "ticket_change_kind" rename to "ticket_change_kind_old";`);
    this.addSql(
      `create type "ticket_change_kind" as enum ('CREATED', 'OFFERED', 'OFFER_DECLINED', 'OFFER_EXPIRED', 'ASSIGNED', 'STATUS_CHANGED', 'REOPENED', 'MESSAGE_ADDED', 'MESSAGE_UPDATED');`,
    );
    this.addSql(
      `alter table "ticket_events" alter column "kind" type "ticket_change_kind" using "kind"::text::"ticket_change_kind";`,
    );
    this.addSql(`drop type "ticket_change_kind_old";`);
  }
}
