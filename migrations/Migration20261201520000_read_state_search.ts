import { Migration } from '@mikro-orm/migrations';

/**
 * Read state and search (docs/domain.md "Read state", "Search").
 *
 * `ticket_reads`: each agent's mark per ticket, the sequence it has read up to. One row per agent
 * and ticket (the primary key), so marks settle in one upsert that never moves a mark back.
 *
 * `messages_search_index`: a GIN index over the body's `simple` text-search vector — no stemming,
 * no stop words, the same for every language (Hangul words included); searches add a prefix match
 * on each word, so 환불 finds 환불을 and refund finds refunds. An expression index rather than a
 * stored vector column: nothing but the index needs the vector, and adding it rewrites no table.
 * Searches must spell the expression exactly as here for the planner to use the index.
 */
export class Migration20261201520000_read_state_search extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "ticket_reads" (
      "agent_id" uuid not null,
      "ticket_id" uuid not null,
      "last_read_sequence" int not null,
      "updated_at" timestamptz not null,
      constraint "ticket_reads_pkey" primary key ("agent_id", "ticket_id"),
      constraint "ticket_reads_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on update cascade on delete cascade,
      constraint "ticket_reads_ticket_id_foreign" foreign key ("ticket_id") references "tickets" ("id") on update cascade on delete cascade,
      constraint "ticket_reads_sequence_range" check (last_read_sequence >= 0)
    );`);
    this.addSql(`create index "ticket_reads_ticket_id_index" on "ticket_reads" ("ticket_id");`);
    this.addSql(
      `create index "messages_search_index" on "messages" using gin (to_tsvector('simple', "body"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "messages_search_index";`);
    this.addSql(`drop table "ticket_reads";`);
  }
}
