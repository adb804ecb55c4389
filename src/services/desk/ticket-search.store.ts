import { raw, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TicketEntity } from '../../entities/ticket.entity';

/**
 * The search's SQL (docs/domain.md "Search"). A message's words are its body's `simple` text-search
 * vector — the very expression `messages_search_index` is built on (entities/message.entity.ts), so
 * the planner can answer from that GIN index.
 */
const MESSAGE_VECTOR = (alias: string) => `to_tsvector('simple', ${alias}."body")`;

/**
 * The search text's words as a prefix query: each lexeme PostgreSQL's parser finds in it (the same
 * parser and configuration as the messages', so `e-mail`, `foo@bar.com` or `12.5` are words on both
 * sides), quoted as a tsquery operand and marked as a prefix, all required. The user's text never
 * becomes tsquery syntax: operators and quotes in it are no words, and a lexeme's own quotes and
 * backslashes (a URL may hold them) are escaped as tsquery's input rules say (doubled).
 */
const PREFIX_QUERY_SQL = `select string_agg(
    '''' || replace(replace(lexeme, chr(92), chr(92) || chr(92)), '''', '''''') || ''':*', ' & '
  ) as query
  from unnest(tsvector_to_array(to_tsvector('simple', ?))) as lexeme`;

/**
 * The tsquery for a search text, or null when the text holds no word (then nothing matches). Made
 * in a statement of its own so the ticket query gets it as a constant the planner can estimate.
 */
export async function prefixQueryOf(em: EntityManager, text: string): Promise<string | null> {
  const [row] = await em.execute<{ query: string | null }[]>(PREFIX_QUERY_SQL, [text]);
  return row?.query ?? null;
}

/**
 * Tickets with a message matching the query, among the messages the caller may see: internal notes
 * only for those who see them. A fresh condition per call: MikroORM forgets a raw fragment once a
 * query has used it, so a list that runs several queries asks for one each.
 */
export function withMessageMatching(query: string, seesInternalNotes: boolean): FilterQuery<TicketEntity> {
  const notes = seesInternalNotes ? '' : ' and not m."internal"';
  return {
    [raw(
      (alias: string) =>
        `exists (select 1 from "messages" as m where m."ticket_id" = ${alias}."id" and ${MESSAGE_VECTOR('m')} @@ ?::tsquery${notes})`,
      [query],
    )]: [],
  } as FilterQuery<TicketEntity>;
}
