import { Migration } from '@mikro-orm/migrations';

/**
 * Outbound webhooks (docs/domain.md "Outbound delivery to partners").
 *
 * An endpoint keeps its own position in the event log (`stream_xid`, `stream_id`: the last change
 * turned into its deliveries, or the head when it was created), so the deliveries are made from the
 * one ordered log, exactly once per change: a unique (endpoint, event) pair settles a race.
 *
 * A delivery is claimed for sending with a lease (`lease_until`): while it holds, no other process
 * sends it; a process killed mid-send leaves a lease that runs out, and the delivery is sent again
 * (at least once). Per ticket, a delivery waits while an earlier one of the same endpoint and ticket
 * is still PENDING: the index on (endpoint, ticket, position) where PENDING answers that.
 */
export class Migration20261201400000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "webhook_endpoints" (
      "id" uuid not null,
      "channel_id" uuid null,
      "url" text not null,
      "kinds" text[] not null default '{}',
      "enabled" boolean not null default true,
      "disabled_reason" text null,
      "secret" text not null,
      "previous_secret" text null,
      "previous_secret_expires_at" timestamptz null,
      "stream_xid" xid8 not null,
      "stream_id" bigint not null,
      "failing_since" timestamptz null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "webhook_endpoints_pkey" primary key ("id"),
      constraint "webhook_endpoints_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade);`);
    this.addSql(`create index "webhook_endpoints_channel_id_index" on "webhook_endpoints" ("channel_id");`);

    this.addSql(`create type "webhook_delivery_status" as enum ('PENDING', 'DELIVERED', 'GAVE_UP');`);
    this.addSql(`create table "webhook_deliveries" (
      "id" uuid not null,
      "endpoint_id" uuid not null,
      "event_id" bigint not null,
      "ticket_id" uuid not null,
      "stream_xid" xid8 not null,
      "status" "webhook_delivery_status" not null default 'PENDING',
      "attempts" int not null default 0,
      "next_attempt_at" timestamptz null,
      "last_attempt_at" timestamptz null,
      "response_status" int null,
      "last_error" text null,
      "delivered_at" timestamptz null,
      "lease_owner" text null,
      "lease_until" timestamptz null,
      "created_at" timestamptz not null,
      constraint "webhook_deliveries_pkey" primary key ("id"),
      constraint "webhook_deliveries_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("id") on update cascade on delete cascade,
      constraint "webhook_deliveries_event_id_foreign" foreign key ("event_id") references "ticket_events" ("id") on update cascade on delete cascade,
      constraint "webhook_deliveries_pending_due" check ("status" <> 'PENDING' or "next_attempt_at" is not null));`);
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_event_unique" unique ("endpoint_id", "event_id");`,
    );
    this.addSql(
      `create index "webhook_deliveries_due_index" on "webhook_deliveries" ("next_attempt_at") where "status" = 'PENDING';`,
    );
    this.addSql(
      `create index "webhook_deliveries_ticket_order_index" on "webhook_deliveries" ("endpoint_id", "ticket_id", "stream_xid", "event_id") where "status" = 'PENDING';`,
    );
    this.addSql(
      `create index "webhook_deliveries_log_index" on "webhook_deliveries" ("endpoint_id", "created_at", "id");`,
    );
    this.addSql(`create index "webhook_deliveries_event_id_index" on "webhook_deliveries" ("event_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);
    this.addSql(`drop type if exists "webhook_delivery_status";`);
    this.addSql(`drop table if exists "webhook_endpoints" cascade;`);
  }
}
