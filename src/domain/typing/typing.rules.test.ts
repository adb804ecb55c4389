import type { Principal } from '../auth/principal';
import { DomainError } from '../errors';
import { AuthorType, TicketStatus } from '../ticket/ticket.enums';
import { typingAuthor, type TypingTicket } from './typing.rules';

const ticket: TypingTicket = { id: 't1', channelId: 'c1', assigneeId: 'a1', status: TicketStatus.OPEN };
const assignee: Principal = { role: 'AGENT', agentId: 'a1', tokenId: 'k1' };
const colleague: Principal = { role: 'AGENT', agentId: 'a2', tokenId: 'k2' };
const integration: Principal = { role: 'INTEGRATION', channelId: 'c1', tokenId: 'k3' };
const stranger: Principal = { role: 'INTEGRATION', channelId: 'c2', tokenId: 'k4' };
const admin: Principal = { role: 'ADMIN' };
const anonymous: Principal = { role: 'ANONYMOUS' };

function outcome(principal: Principal, status: TicketStatus = TicketStatus.OPEN): string {
  try {
    const author = typingAuthor(principal, { ...ticket, status });
    return `${author.authorType}:${author.agentId ?? '-'}`;
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
}

describe('typingAuthor', () => {
  it.each([
    // [who, ticket status, outcome, principal]
    ['the assignee', TicketStatus.OPEN, 'AGENT:a1', assignee],
    ['the assignee', TicketStatus.PENDING, 'AGENT:a1', assignee],
    ['the assignee', TicketStatus.SOLVED, 'AGENT:a1', assignee],
    ['the channel’s integration', TicketStatus.NEW, 'END_USER:-', integration],
    ['the channel’s integration', TicketStatus.SOLVED, 'END_USER:-', integration],
    ['another agent', TicketStatus.OPEN, 'FORBIDDEN', colleague],
    ['an admin', TicketStatus.OPEN, 'FORBIDDEN', admin],
    ['another channel’s integration', TicketStatus.OPEN, 'NOT_FOUND', stranger],
    ['nobody', TicketStatus.OPEN, 'UNAUTHENTICATED', anonymous],
    ['the assignee', TicketStatus.CLOSED, 'ILLEGAL_TRANSITION', assignee],
    ['the channel’s integration', TicketStatus.CLOSED, 'ILLEGAL_TRANSITION', integration],
    // Who may not type learns that first, whatever the ticket's state.
    ['an admin', TicketStatus.CLOSED, 'FORBIDDEN', admin],
    ['another channel’s integration', TicketStatus.CLOSED, 'NOT_FOUND', stranger],
  ])('%s on a %s ticket: %s', (_who, status, expected, principal) => {
    expect(outcome(principal, status)).toBe(expected);
  });

  it('takes the assignee at the time of asking: an unassigned ticket has no agent typing', () => {
    expect(() => typingAuthor(assignee, { ...ticket, assigneeId: null })).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    expect(typingAuthor(assignee, ticket)).toEqual({ authorType: AuthorType.AGENT, agentId: 'a1' });
  });
});
