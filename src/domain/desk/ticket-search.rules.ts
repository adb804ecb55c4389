import { badInput } from '../errors';

/** docs/domain.md "Search": enough for a sentence; a longer text is a paste, not a search. */
export const MAX_SEARCH_TEXT_LENGTH = 200;

/**
 * `TicketFilter.text` on the tickets query: absent → no search. Blank is refused rather than read as
 * "no search", so a search box bound to an empty string shows the mistake instead of every ticket.
 * What the text holds beyond that is never an error: it is split into words by PostgreSQL's own
 * parser, and text without a word (punctuation only) matches no ticket.
 */
export function searchTextOf(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    throw badInput('filter.text', 'filter.text must hold a word to search for; leave it out to list all');
  }
  if ([...trimmed].length > MAX_SEARCH_TEXT_LENGTH) {
    throw badInput('filter.text', `filter.text must be at most ${MAX_SEARCH_TEXT_LENGTH} characters`);
  }
  return trimmed;
}

/**
 * Streams match each change on what the event log holds; a message's words are not in it, and a
 * ticket's match would change with every message. So text is refused there, not silently ignored.
 */
export function refuseTextOnStreams(filter: object | null | undefined): void {
  const text = filter !== null && filter !== undefined && 'text' in filter ? filter.text : undefined;
  if (text !== null && text !== undefined) {
    throw badInput('filter.text', 'filter.text applies to the tickets query, not to changes');
  }
}
