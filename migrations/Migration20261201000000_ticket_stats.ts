import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes behind ticketStats (docs/domain.md "Dashboards"): tickets by creation time carrying every
 * column the statistics read, so a range is an index-only scan; SLA_BREACHED events found by kind
 * rather than by reading every event.
 */
export class Migration20261201000000_ticket_stats extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "tickets_stats_index" on "tickets" ("created_at") include ("id", "channel_id", "style_id", "assignee_id", "priority", "status", "reopen_count", "first_end_user_message_at", "first_agent_reply_at", "last_solved_at");`,
    );
    this.addSql(
      `create index "ticket_events_kind_ticket_id_index" on "ticket_events" ("kind", "ticket_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "ticket_events_kind_ticket_id_index";`);
    this.addSql(`drop index if exists "tickets_stats_index";`);
  }
}
