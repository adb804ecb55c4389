import { Migration } from '@mikro-orm/migrations';

/** Offers and the queue: who a NEW ticket is offered to and until when, and since when it waits. */
export class Migration20261127200000_routing extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "tickets"
      add column "offered_to_id" uuid null,
      add column "offer_expires_at" timestamptz null,
      add column "waiting_since" timestamptz null;`);
    this.addSql(`update "tickets" set "waiting_since" = "created_at";`);
    this.addSql(`alter table "tickets" alter column "waiting_since" set not null;`);
    this.addSql(
      `alter table "tickets" add constraint "tickets_offered_to_id_foreign" foreign key ("offered_to_id") references "agents" ("id") on update cascade on delete set null;`,
    );
    this.addSql(`create index "tickets_offered_to_index" on "tickets" ("offered_to_id");`);
    this.addSql(
      `create index "tickets_queue_index" on "tickets" ("waiting_since") where "status" = 'NEW' and "offered_to_id" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "tickets_queue_index";`);
    this.addSql(`drop index if exists "tickets_offered_to_index";`);
    this.addSql(`alter table "tickets" drop constraint if exists "tickets_offered_to_id_foreign";`);
    this.addSql(
      `alter table "tickets" drop column "offered_to_id", drop column "offer_expires_at", drop column "waiting_since";`,
    );
  }
}
