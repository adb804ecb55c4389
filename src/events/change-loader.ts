import type { EntityManager } from '@mikro-orm/postgresql';
import { encodeStreamCursor } from '../domain/stream/stream-position';
import { MessageEntity } from '../entities/message.entity';
import { TicketEntity } from '../entities/ticket.entity';
import type { LoggedChange } from './event-log.store';
import type { TicketChangeEvent } from './ticket-event.bus';

/**
 * Logged changes with their tickets and messages, two statements for any number of them. A change
 * whose ticket is gone is left out: there is nothing to show of it.
 */
export async function loadChanges(
  em: EntityManager,
  changes: readonly LoggedChange[],
): Promise<TicketChangeEvent[]> {
  if (changes.length === 0) return [];
  const fork = em.fork();
  const ticketIds = [...new Set(changes.map((c) => c.ticketId))];
  const messageIds = changes.map((c) => c.messageId).filter((id): id is string => id !== null);
  const [tickets, messages] = await Promise.all([
    fork.find(TicketEntity, { id: { $in: ticketIds } }),
    messageIds.length > 0 ? fork.find(MessageEntity, { id: { $in: messageIds } }) : Promise.resolve([]),
  ]);
  const ticketById = new Map(tickets.map((t) => [t.id, t]));
  const messageById = new Map(messages.map((m) => [m.id, m]));
  return changes.flatMap((change) => {
    const ticket = ticketById.get(change.ticketId);
    if (!ticket) return [];
    const message = change.messageId ? (messageById.get(change.messageId) ?? null) : null;
    return [{ ...change, cursor: encodeStreamCursor(change.position), ticket, message }];
  });
}
