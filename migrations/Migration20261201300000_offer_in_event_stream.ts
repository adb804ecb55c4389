import { Migration } from '@mikro-orm/migrations';

/**
 * The agent a ticket is offered to, right after and right before each change (docs/domain.md "The
 * event stream"): TicketFilter.offeredToId matches a change when the offer was to that agent before
 * or after it, so a console sees its offer arrive and leave. Rows already there are folded from
 * the log with the recorder's rule (domain/ticket/ticket-load.ts offeredToAfter): OFFERED makes an
 * offer to its agent; CREATED, OFFER_DECLINED, OFFER_EXPIRED and ASSIGNED end it; nothing else
 * touches it. So the offer after a change is the last such change's up to it, if it was OFFERED.
 */
export class Migration20261201300000_offer_in_event_stream extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "ticket_events"
      add column "offered_to_id" uuid null,
      add column "previous_offered_to_id" uuid null;`);
    this.addSql(`with runs as (
        select id, ticket_id, kind, agent_id,
          count(*) filter (where kind in ('CREATED', 'OFFERED', 'OFFER_DECLINED', 'OFFER_EXPIRED', 'ASSIGNED'))
            over (partition by ticket_id order by id) as offer_run
        from "ticket_events"
      ), after_change as (
        select id, ticket_id,
          case when offer_run > 0 then first_value(case when kind = 'OFFERED' then agent_id end)
            over (partition by ticket_id, offer_run order by id) end as offered_to_id
        from runs
      ), folded as (
        select id, offered_to_id,
          lag(offered_to_id) over (partition by ticket_id order by id) as previous_offered_to_id
        from after_change
      )
      update "ticket_events" e
         set "offered_to_id" = f.offered_to_id, "previous_offered_to_id" = f.previous_offered_to_id
        from folded f
       where f.id = e.id and (f.offered_to_id is not null or f.previous_offered_to_id is not null);`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "ticket_events" drop column "previous_offered_to_id", drop column "offered_to_id";`,
    );
  }
}
