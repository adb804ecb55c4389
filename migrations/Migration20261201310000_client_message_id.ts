import { Migration } from '@mikro-orm/migrations';

/**
 * sendMessage's clientMessageId (docs/domain.md "Messages and ingestion"): a reply's own id from
 * the client, accepted once per ticket and author. The unique index settles concurrent retries; an
 * admin's reply has no agent, and all admins are one author, so the index puts the nil UUID in its
 * place (NULLS NOT DISTINCT would need PostgreSQL 15). Existing rows have none, so the index is
 * empty when built.
 */
export class Migration20261201310000_client_message_id extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "messages"
      add column "client_message_id" text null,
      add constraint "messages_client_message_id_by_agent" check (client_message_id is null or author_type = 'AGENT');`);
    this.addSql(
      `create unique index "messages_client_message_unique" on "messages" ("ticket_id", coalesce("agent_id", '00000000-0000-0000-0000-000000000000'::uuid), "client_message_id") where "client_message_id" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "messages_client_message_unique";`);
    this.addSql(`alter table "messages"
      drop constraint "messages_client_message_id_by_agent",
      drop column "client_message_id";`);
  }
}
