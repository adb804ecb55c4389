import { Migration } from '@mikro-orm/migrations';

/** End users, tickets, messages and the ticket event log. */
export class Migration20261127100000_conversations extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create type "ticket_status" as enum ('NEW', 'OPEN', 'PENDING', 'ON_HOLD', 'SOLVED', 'CLOSED');`,
    );
    this.addSql(`create type "ticket_priority" as enum ('LOW', 'NORMAL', 'HIGH', 'URGENT');`);
    this.addSql(`create type "author_type" as enum ('END_USER', 'AGENT', 'SYSTEM');`);
    this.addSql(
      `create type "ticket_change_kind" as enum ('CREATED', 'OFFERED', 'OFFER_DECLINED', 'OFFER_EXPIRED', 'ASSIGNED', 'STATUS_CHANGED', 'REOPENED', 'MESSAGE_ADDED');`,
    );
    this.addSql(`create type "actor_type" as enum ('AGENT', 'INTEGRATION', 'ADMIN', 'SYSTEM');`);

    this.addSql(`create table "end_users" (
      "id" uuid not null,
      "channel_id" uuid not null,
      "external_id" text not null,
      "display_name" text null,
      "created_at" timestamptz not null,
      constraint "end_users_pkey" primary key ("id"),
      constraint "end_users_channel_external_unique" unique ("channel_id", "external_id"),
      constraint "end_users_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade
    );`);

    this.addSql(`create table "tickets" (
      "id" uuid not null,
      "status" "ticket_status" not null default 'NEW',
      "priority" "ticket_priority" not null default 'NORMAL',
      "channel_id" uuid not null,
      "style_id" uuid not null,
      "requester_id" uuid not null,
      "assignee_id" uuid null,
      "required_skills" text[] not null,
      "follow_up_of_id" uuid null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      "solved_at" timestamptz null,
      "closes_at" timestamptz null,
      "closed_at" timestamptz null,
      "reopen_count" int not null default 0,
      "last_sequence" int not null default 0,
      "first_end_user_message_at" timestamptz null,
      "first_agent_reply_at" timestamptz null,
      "last_solved_at" timestamptz null,
      "open_since" timestamptz null,
      "handle_ms" bigint not null default 0,
      "assignment_count" int not null default 0,
      constraint "tickets_pkey" primary key ("id"),
      constraint "tickets_assignee_required" check (status = 'NEW' or status = 'CLOSED' or assignee_id is not null),
      constraint "tickets_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete restrict,
      constraint "tickets_style_id_foreign" foreign key ("style_id") references "conversation_styles" ("id") on update cascade on delete restrict,
      constraint "tickets_requester_id_foreign" foreign key ("requester_id") references "end_users" ("id") on update cascade on delete restrict,
      constraint "tickets_assignee_id_foreign" foreign key ("assignee_id") references "agents" ("id") on update cascade on delete set null,
      constraint "tickets_follow_up_of_id_foreign" foreign key ("follow_up_of_id") references "tickets" ("id") on update cascade on delete set null
    );`);
    this.addSql(`create index "tickets_channel_created_at_index" on "tickets" ("channel_id", "created_at");`);
    this.addSql(`create index "tickets_assignee_status_index" on "tickets" ("assignee_id", "status");`);
    this.addSql(`create index "tickets_created_at_id_index" on "tickets" ("created_at", "id");`);
    this.addSql(`create index "tickets_requester_status_index" on "tickets" ("requester_id", "status");`);

    this.addSql(`create table "messages" (
      "id" uuid not null,
      "ticket_id" uuid not null,
      "channel_id" uuid not null,
      "sequence" int not null,
      "author_type" "author_type" not null,
      "agent_id" uuid null,
      "body" text not null,
      "external_id" text null,
      "created_ticket" boolean not null default false,
      "reopened_ticket" boolean not null default false,
      "created_at" timestamptz not null,
      constraint "messages_pkey" primary key ("id"),
      constraint "messages_ticket_sequence_unique" unique ("ticket_id", "sequence"),
      constraint "messages_sequence_positive" check (sequence >= 1),
      constraint "messages_ticket_id_foreign" foreign key ("ticket_id") references "tickets" ("id") on update cascade on delete cascade,
      constraint "messages_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade,
      constraint "messages_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on update cascade on delete set null
    );`);
    this.addSql(`create index "messages_agent_id_index" on "messages" ("agent_id");`);
    this.addSql(
      `create unique index "messages_channel_external_unique" on "messages" ("channel_id", "external_id") where "external_id" is not null;`,
    );

    this.addSql(`create table "ticket_events" (
      "id" bigserial primary key,
      "ticket_id" uuid not null,
      "kind" "ticket_change_kind" not null,
      "from_status" "ticket_status" null,
      "to_status" "ticket_status" null,
      "agent_id" uuid null,
      "message_id" uuid null,
      "author_type" "author_type" null,
      "actor_type" "actor_type" not null,
      "actor_id" text null,
      "at" timestamptz not null,
      constraint "ticket_events_ticket_id_foreign" foreign key ("ticket_id") references "tickets" ("id") on update cascade on delete cascade,
      constraint "ticket_events_message_id_foreign" foreign key ("message_id") references "messages" ("id") on update cascade on delete cascade
    );`);
    this.addSql(`create index "ticket_events_ticket_id_id_index" on "ticket_events" ("ticket_id", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "ticket_events";`);
    this.addSql(`drop table if exists "messages";`);
    this.addSql(`drop table if exists "tickets";`);
    this.addSql(`drop table if exists "end_users";`);
    for (const type of [
      'actor_type',
      'ticket_change_kind',
      'author_type',
      'ticket_priority',
      'ticket_status',
    ]) {
      this.addSql(`drop type if exists "${type}";`);
    }
  }
}
