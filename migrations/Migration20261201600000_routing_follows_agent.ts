import { Migration } from '@mikro-orm/migrations';

/**
 * Routing that follows the agent (docs/domain.md "Presence", "Routing").
 *
 * `routing_settings`: three delays, each null for never (the default, so an upgrade changes no
 * behaviour until an admin sets one).
 *
 * `agents.status_since`: when the agent took its current status (filled from `updated_at`, the best
 * guess there is for rows written before).
 *
 * `presence_processes`, `agent_connections` and `agent_disconnects`: each process's heartbeat, its
 * open sockets per agent, and when each agent's last socket anywhere went, so that every process can
 * tell whether an agent is still connected and since when it is not. Kept off `agents`: they change
 * with every socket and heartbeat, and are bookkeeping about connections, not the agent's state.
 */
export class Migration20261201600000_routing_follows_agent extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "routing_settings"
      add column "away_after_disconnect_seconds" int null,
      add column "reassign_after_offline_seconds" int null,
      add column "skills_timeout_seconds" int null,
      add constraint "routing_settings_away_after_disconnect_range"
        check (away_after_disconnect_seconds >= 0 and away_after_disconnect_seconds <= 2592000),
      add constraint "routing_settings_reassign_after_offline_range"
        check (reassign_after_offline_seconds >= 0 and reassign_after_offline_seconds <= 2592000),
      add constraint "routing_settings_skills_timeout_range"
        check (skills_timeout_seconds >= 0 and skills_timeout_seconds <= 2592000);`);
    this.addSql(`alter table "agents" add column "status_since" timestamptz null;`);
    this.addSql(`update "agents" set "status_since" = "updated_at";`);
    this.addSql(`create table "presence_processes" (
      "id" uuid not null,
      "heartbeat_at" timestamptz not null,
      constraint "presence_processes_pkey" primary key ("id")
    );`);
    this.addSql(`create table "agent_connections" (
      "process_id" uuid not null,
      "agent_id" uuid not null,
      "sockets" int not null,
      constraint "agent_connections_pkey" primary key ("process_id", "agent_id"),
      constraint "agent_connections_process_id_foreign" foreign key ("process_id") references "presence_processes" ("id") on update cascade on delete cascade,
      constraint "agent_connections_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on update cascade on delete cascade,
      constraint "agent_connections_sockets_positive" check (sockets > 0)
    );`);
    this.addSql(`create index "agent_connections_agent_id_index" on "agent_connections" ("agent_id");`);
    this.addSql(`create table "agent_disconnects" (
      "agent_id" uuid not null,
      "disconnected_at" timestamptz not null,
      constraint "agent_disconnects_pkey" primary key ("agent_id"),
      constraint "agent_disconnects_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on update cascade on delete cascade
    );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table "agent_disconnects";`);
    this.addSql(`drop table "agent_connections";`);
    this.addSql(`drop table "presence_processes";`);
    this.addSql(`alter table "agents" drop column "status_since";`);
    this.addSql(`alter table "routing_settings"
      drop column "away_after_disconnect_seconds",
      drop column "reassign_after_offline_seconds",
      drop column "skills_timeout_seconds";`);
  }
}
