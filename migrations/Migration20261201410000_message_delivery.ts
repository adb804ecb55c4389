import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery receipts (docs/domain.md "Delivery receipts"): a message's status as the partner reports
 * it, its times and FAILED's reason, and the MESSAGE_UPDATED change each receipt records.
 *
 * `ALTER TYPE … ADD VALUE` runs inside the migrations' one transaction (MikroORM's allOrNothing; a
 * migration that is not transactional would run on another connection, outside it). PostgreSQL
 * allows that since 12 (Parley needs 13, for xid8), with one condition: the new value cannot be
 * used before that transaction commits, so no migration of the same run may write or compare
 * 'MESSAGE_UPDATED' — put such a step in code that runs after the migrations instead.
 */
export class Migration20261201410000_message_delivery extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "message_delivery_status" as enum ('SENT', 'DELIVERED', 'READ', 'FAILED');`);
    this.addSql(`alter table "messages"
      add column "delivery_status" "message_delivery_status" null,
      add column "delivered_at" timestamptz null,
      add column "read_at" timestamptz null,
      add column "delivery_error" text null,
      add constraint "messages_delivery_by_agent" check (delivery_status is null or author_type = 'AGENT'),
      add constraint "messages_delivery_error" check ((delivery_status is distinct from 'FAILED') = (delivery_error is null)),
      add constraint "messages_delivery_error_length" check (delivery_error is null or (char_length(delivery_error) >= 1 and char_length(delivery_error) <= 1000)),
      add constraint "messages_read_delivered" check (read_at is null or delivered_at is not null);`);
    this.addSql(`alter type "ticket_change_kind" add value if not exists 'MESSAGE_UPDATED';`);
  }

  override async down(): Promise<void> {
    // PostgreSQL cannot drop an enum value: the type is made again without it, and the changes
    // that used it go (they carry no metrics, and their deliveries go with them), as does the kind
    // from the endpoints that asked for it.
    this.addSql(`delete from "ticket_events" where "kind" = 'MESSAGE_UPDATED';`);
    this.addSql(`update "webhook_endpoints" set "kinds" = array_remove("kinds", 'MESSAGE_UPDATED');`);
    this.addSql(`alter type "ticket_change_kind" rename to "ticket_change_kind_old";`);
    this.addSql(
      `create type "ticket_change_kind" as enum ('CREATED', 'OFFERED', 'OFFER_DECLINED', 'OFFER_EXPIRED', 'ASSIGNED', 'STATUS_CHANGED', 'REOPENED', 'MESSAGE_ADDED');`,
    );
    this.addSql(
      `alter table "ticket_events" alter column "kind" type "ticket_change_kind" using "kind"::text::"ticket_change_kind";`,
    );
    this.addSql(`drop type "ticket_change_kind_old";`);
    this.addSql(`alter table "messages"
      drop constraint "messages_read_delivered",
      drop constraint "messages_delivery_error_length",
      drop constraint "messages_delivery_error",
      drop constraint "messages_delivery_by_agent",
      drop column "delivery_error",
      drop column "read_at",
      drop column "delivered_at",
      drop column "delivery_status";`);
    this.addSql(`drop type "message_delivery_status";`);
  }
}
