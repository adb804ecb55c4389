import { Migration } from '@mikro-orm/migrations';

/**
 * Internal notes (docs/domain.md "Internal notes"): a message only agents and admins see. The flag
 * is kept on the message and on the change that carries it, so every reader of the log (streams,
 * catch-up reads, webhooks) can leave a note out without loading the message. Existing rows are
 * public messages, which the defaults say.
 */
export class Migration20261201500000_internal_notes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "messages"
      add column "internal" boolean not null default false,
      add constraint "messages_internal_by_agent" check (not internal or author_type = 'AGENT');`);
    this.addSql(`alter table "ticket_events" add column "internal" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "ticket_events" drop column "internal";`);
    this.addSql(`alter table "messages"
      drop constraint "messages_internal_by_agent",
      drop column "internal";`);
  }
}
