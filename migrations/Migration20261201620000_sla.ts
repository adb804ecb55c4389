import { Migration } from '@mikro-orm/migrations';

/**
 * SLA targets on business hours (docs/domain.md "SLA").
 *
 * `sla_policies`: which tickets a policy takes (priorities, channel ids; empty: any), its targets in
 * seconds (null: no such target) and its business hours as JSON (zone, weekly intervals, holidays;
 * null: every hour counts). The channel ids are no foreign keys (an array holds none).
 *
 * `tickets`: the policy the ticket follows, since when a reply is owed (folded from the log like the
 * metrics), each target's due time while it runs, the targets missed, and `sla_check_at`, the
 * earliest due time of a target not yet missed: the breach job's time, and what the sweep reads
 * (partial index). Existing tickets follow no policy: they are matched when next created or
 * re-prioritised, so an upgrade changes nothing until an admin adds a policy.
 *
 * `ALTER TYPE … ADD VALUE` runs inside the migrations' one transaction, as TRANSFERRED's did: no
 * migration of the same run may use the new value.
 */
export class Migration20261201620000_sla extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "sla_policies" (
      "id" uuid not null,
      "name" text not null,
      "position" int not null,
      "priorities" text[] not null default '{}',
      "channel_ids" uuid[] not null default '{}',
      "first_reply_seconds" int null,
      "next_reply_seconds" int null,
      "resolution_seconds" int null,
      "business_hours" jsonb null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "sla_policies_pkey" primary key ("id"),
      constraint "sla_policies_position_range" check (position >= 0 and position <= 1000000),
      constraint "sla_policies_first_reply_range" check (first_reply_seconds >= 1 and first_reply_seconds <= 31536000),
      constraint "sla_policies_next_reply_range" check (next_reply_seconds >= 1 and next_reply_seconds <= 31536000),
      constraint "sla_policies_resolution_range" check (resolution_seconds >= 1 and resolution_seconds <= 31536000));`);
    this.addSql(`alter table "tickets"
      add column "sla_policy_id" uuid null,
      add column "reply_owed_since" timestamptz null,
      add column "first_reply_due_at" timestamptz null,
      add column "next_reply_due_at" timestamptz null,
      add column "resolution_due_at" timestamptz null,
      add column "sla_breached" text[] not null default '{}',
      add column "sla_check_at" timestamptz null,
      add constraint "tickets_sla_policy_id_foreign" foreign key ("sla_policy_id") references "sla_policies" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "tickets_sla_policy_id_index" on "tickets" ("sla_policy_id");`);
    this.addSql(
      `create index "tickets_sla_check_index" on "tickets" ("sla_check_at") where "sla_check_at" is not null;`,
    );
    this.addSql(
      `create index "tickets_sla_breached_index" on "tickets" ("channel_id") where "sla_breached" <> '{}' and "status" not in ('SOLVED', 'CLOSED');`,
    );
    this.addSql(`alter type "ticket_change_kind" add value if not exists 'SLA_BREACHED';`);
  }

  override async down(): Promise<void> {
    // PostgreSQL cannot drop an enum value: the type is made again without it. Breaches go from the
    // log (their deliveries with them) and from the endpoints that asked for them.
    this.addSql(`delete from "ticket_events" where "kind" = 'SLA_BREACHED';`);
    this.addSql(`update "webhook_endpoints" set "kinds" = array_remove("kinds", 'SLA_BREACHED');`);
    this.addSql(`alter type "ticket_change_kind" rename to "ticket_change_kind_old";`);
    // Every other value, in its order, whichever later migrations added before this one.
    this.addSql(`do $$
      declare labels text;
      begin
        select string_agg(quote_literal(v.label::text), ', ' order by v.n) into labels
          from unnest(enum_range(null::"ticket_change_kind_old")) with ordinality as v(label, n)
         where v.label::text <> 'SLA_BREACHED';
        execute format('create type "ticket_change_kind" as enum (%s)', labels);
      end $$;`);
    this.addSql(
      `alter table "ticket_events" alter column "kind" type "ticket_change_kind" using "kind"::text::"ticket_change_kind";`,
    );
    this.addSql(`drop type "ticket_change_kind_old";`);
    this.addSql(`drop index if exists "tickets_sla_breached_index";`);
    this.addSql(`drop index if exists "tickets_sla_check_index";`);
    this.addSql(`drop index if exists "tickets_sla_policy_id_index";`);
    this.addSql(`alter table "tickets"
      drop constraint if exists "tickets_sla_policy_id_foreign",
      drop column if exists "sla_policy_id",
      drop column if exists "reply_owed_since",
      drop column if exists "first_reply_due_at",
      drop column if exists "next_reply_due_at",
      drop column if exists "resolution_due_at",
      drop column if exists "sla_breached",
      drop column if exists "sla_check_at";`);
    this.addSql(`drop table if exists "sla_policies";`);
  }
}
