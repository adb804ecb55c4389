import type { EntityManager } from '@mikro-orm/postgresql';

/** docs/domain.md "Read state": one agent's mark on one ticket, and what is unread after it. */
export interface ReadState {
  /** 0 while the agent has never marked the ticket. */
  readonly lastReadSequence: number;
  readonly unreadCount: number;
}

export type MarkOutcome =
  | { readonly kind: 'NO_TICKET' }
  | { readonly kind: 'BEYOND_LAST'; readonly lastSequence: number }
  | { readonly kind: 'MARKED'; readonly lastReadSequence: number };

/**
 * One statement: read the ticket's last sequence, and only when the mark is within it, upsert the
 * mark keeping the greater of the stored and the new one. Concurrent marks of one agent on one
 * ticket meet on the primary key and each keeps `greatest`, so they end at the highest, whatever
 * order they commit in; nothing is written when the mark is refused.
 */
const MARK_SQL = `with ticket as (
    select "id", "last_sequence" from "tickets" where "id" = ?::uuid
  ), marked as (
    insert into "ticket_reads" as r ("agent_id", "ticket_id", "last_read_sequence", "updated_at")
    select ?::uuid, ticket."id", ?::int, ?::timestamptz from ticket where ?::int <= ticket."last_sequence"
    on conflict ("agent_id", "ticket_id") do update set
      "last_read_sequence" = greatest(r."last_read_sequence", excluded."last_read_sequence"),
      "updated_at" = case when excluded."last_read_sequence" > r."last_read_sequence"
        then excluded."updated_at" else r."updated_at" end
    returning r."last_read_sequence"
  )
  select ticket."last_sequence", (select "last_read_sequence" from marked) as "last_read_sequence"
  from ticket`;

export async function upsertMark(
  em: EntityManager,
  mark: { agentId: string; ticketId: string; upToSequence: number; at: Date },
): Promise<MarkOutcome> {
  const [row] = await em.execute<{ last_sequence: number; last_read_sequence: number | null }[]>(MARK_SQL, [
    mark.ticketId,
    mark.agentId,
    mark.upToSequence,
    mark.at,
    mark.upToSequence,
  ]);
  if (!row) return { kind: 'NO_TICKET' };
  if (row.last_read_sequence === null) return { kind: 'BEYOND_LAST', lastSequence: row.last_sequence };
  return { kind: 'MARKED', lastReadSequence: row.last_read_sequence };
}

/**
 * One agent's read state on many tickets in one statement (an inbox page: one per page, not per
 * ticket). Each count is a range of the (ticket_id, sequence) unique index — the messages after the
 * mark — less the agent's own; an unmarked ticket counts from the first message.
 */
const READ_STATES_SQL = `select t."id" as "ticket_id",
    coalesce(r."last_read_sequence", 0) as "last_read_sequence",
    (select count(*) from "messages" as m
      where m."ticket_id" = t."id" and m."sequence" > coalesce(r."last_read_sequence", 0)
        and m."agent_id" is distinct from ?::uuid)::int as "unread_count"
  from unnest(?::uuid[]) as t("id")
  left join "ticket_reads" as r on r."ticket_id" = t."id" and r."agent_id" = ?::uuid`;

export async function readStatesOf(
  em: EntityManager,
  agentId: string,
  ticketIds: readonly string[],
): Promise<Map<string, ReadState>> {
  const states = new Map<string, ReadState>();
  if (ticketIds.length === 0) return states;
  // Knex expands an array binding into a list, so the ids travel as one PostgreSQL array literal.
  const rows = await em.execute<{ ticket_id: string; last_read_sequence: number; unread_count: number }[]>(
    READ_STATES_SQL,
    [agentId, `{${ticketIds.join(',')}}`, agentId],
  );
  for (const row of rows) {
    states.set(row.ticket_id, { lastReadSequence: row.last_read_sequence, unreadCount: row.unread_count });
  }
  return states;
}
