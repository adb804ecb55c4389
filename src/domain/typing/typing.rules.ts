import type { Principal } from '../auth/principal';
import { seesChannel } from '../auth/visibility';
import { DomainError, forbidden, notFound, unauthenticated } from '../errors';
import { AuthorType, TicketStatus } from '../ticket/ticket.enums';

/** What setTyping needs to know of the ticket. */
export interface TypingTicket {
  readonly id: string;
  readonly channelId: string;
  readonly assigneeId: string | null;
  readonly status: TicketStatus;
}

/** Who types on a ticket: its assignee, or its end user (through the channel's integration). */
export interface TypingAuthor {
  readonly authorType: AuthorType.AGENT | AuthorType.END_USER;
  readonly agentId: string | null;
}

/**
 * docs/domain.md "Typing": the two sides of the conversation, and only they. An admin is neither
 * (it is not the assignee), and an agent who is not the assignee cannot be about to reply. A CLOSED
 * ticket takes no message, so nobody can be typing one for it. The checks run in the order every
 * write uses: the ticket must exist for the caller, then the caller must be allowed, then the
 * ticket must be in a state that allows it.
 */
export function typingAuthor(principal: Principal, ticket: TypingTicket): TypingAuthor {
  if (principal.role === 'ANONYMOUS') throw unauthenticated('Sign in first');
  if (!seesChannel(principal, ticket.channelId)) throw notFound('Ticket', ticket.id);
  let author: TypingAuthor;
  if (principal.role === 'INTEGRATION') {
    author = { authorType: AuthorType.END_USER, agentId: null };
  } else if (principal.role === 'AGENT' && ticket.assigneeId === principal.agentId) {
    author = { authorType: AuthorType.AGENT, agentId: principal.agentId };
  } else {
    throw forbidden(
      "Only the ticket's assignee, or its channel's integration for the end user, may say they are typing",
    );
  }
  if (ticket.status === TicketStatus.CLOSED) {
    throw new DomainError('ILLEGAL_TRANSITION', 'The ticket is CLOSED; nobody can be typing a message on it');
  }
  return author;
}
