import { Migration } from '@mikro-orm/migrations';

/** Agents, conversation styles (with the three built-ins), channels, routing settings and API tokens. */
export class Migration20261127000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "agent_status" as enum ('ONLINE', 'AWAY', 'OFFLINE');`);
    this.addSql(
      `create type "conversation_style_kind" as enum ('LIVE_CHAT', 'LIVE_CHAT_RETURNING', 'SOCIAL_MESSAGING');`,
    );
    this.addSql(
      `create type "channel_kind" as enum ('WEB_WIDGET', 'MOBILE_SDK', 'WHATSAPP', 'MESSENGER', 'INSTAGRAM', 'LINE', 'KAKAOTALK', 'TELEGRAM', 'SMS', 'CUSTOM');`,
    );
    this.addSql(`create type "api_token_kind" as enum ('AGENT', 'INTEGRATION');`);

    this.addSql(`create table "agents" (
      "id" uuid not null,
      "name" text not null,
      "email" text not null,
      "status" "agent_status" not null default 'OFFLINE',
      "skills" text[] not null,
      "capacity" int not null default 2,
      "last_assigned_at" timestamptz null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "agents_pkey" primary key ("id"),
      constraint "agents_capacity_range" check (capacity >= 0 and capacity <= 100)
    );`);
    this.addSql(`create unique index "agents_email_lower_unique" on "agents" (lower("email"));`);

    this.addSql(`create table "conversation_styles" (
      "id" uuid not null,
      "name" text not null,
      "kind" "conversation_style_kind" not null,
      "close_after_solved_seconds" int not null,
      "built_in" boolean not null default false,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "conversation_styles_pkey" primary key ("id"),
      constraint "conversation_styles_close_after_range" check ((kind = 'LIVE_CHAT' and close_after_solved_seconds = 0) or (kind <> 'LIVE_CHAT' and close_after_solved_seconds >= 1 and close_after_solved_seconds <= 2419200))
    );`);
    this.addSql(
      `create unique index "conversation_styles_name_lower_unique" on "conversation_styles" (lower("name"));`,
    );

    this.addSql(`create table "channels" (
      "id" uuid not null,
      "kind" "channel_kind" not null,
      "name" text not null,
      "style_id" uuid not null,
      "required_skills" text[] not null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "channels_pkey" primary key ("id"),
      constraint "channels_style_id_foreign" foreign key ("style_id") references "conversation_styles" ("id") on update cascade on delete restrict
    );`);
    this.addSql(`create index "channels_style_id_index" on "channels" ("style_id");`);

    this.addSql(`create table "api_tokens" (
      "id" uuid not null,
      "kind" "api_token_kind" not null,
      "token_hash" text not null,
      "agent_id" uuid null,
      "channel_id" uuid null,
      "created_at" timestamptz not null,
      "revoked_at" timestamptz null,
      constraint "api_tokens_pkey" primary key ("id"),
      constraint "api_tokens_token_hash_unique" unique ("token_hash"),
      constraint "api_tokens_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on update cascade on delete cascade,
      constraint "api_tokens_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade,
      constraint "api_tokens_owner" check ((kind = 'AGENT' and agent_id is not null and channel_id is null) or (kind = 'INTEGRATION' and channel_id is not null and agent_id is null))
    );`);
    this.addSql(`create index "api_tokens_agent_id_index" on "api_tokens" ("agent_id");`);
    this.addSql(`create index "api_tokens_channel_id_index" on "api_tokens" ("channel_id");`);

    this.addSql(`create table "routing_settings" (
      "id" int not null default 1,
      "offer_timeout_seconds" int not null default 30,
      "auto_accept" boolean not null default false,
      "updated_at" timestamptz not null,
      constraint "routing_settings_pkey" primary key ("id"),
      constraint "routing_settings_singleton" check (id = 1),
      constraint "routing_settings_offer_timeout_range" check (offer_timeout_seconds >= 5 and offer_timeout_seconds <= 3600)
    );`);

    // docs/domain.md "Conversation styles": the three kinds exist from the first start; routing settings have defaults.
    this
      .addSql(`insert into "conversation_styles" ("id", "name", "kind", "close_after_solved_seconds", "built_in", "created_at", "updated_at") values
      (gen_random_uuid(), 'Live chat', 'LIVE_CHAT', 0, true, now(), now()),
      (gen_random_uuid(), 'Live chat with returning customers', 'LIVE_CHAT_RETURNING', 3600, true, now(), now()),
      (gen_random_uuid(), 'Social messaging', 'SOCIAL_MESSAGING', 345600, true, now(), now());`);
    this.addSql(
      `insert into "routing_settings" ("id", "offer_timeout_seconds", "auto_accept", "updated_at") values (1, 30, false, now());`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "api_tokens";`);
    this.addSql(`drop table if exists "channels";`);
    this.addSql(`drop table if exists "routing_settings";`);
    this.addSql(`drop table if exists "conversation_styles";`);
    this.addSql(`drop table if exists "agents";`);
    this.addSql(`drop type if exists "api_token_kind";`);
    this.addSql(`drop type if exists "channel_kind";`);
    this.addSql(`drop type if exists "conversation_style_kind";`);
    this.addSql(`drop type if exists "agent_status";`);
  }
}
