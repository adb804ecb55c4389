import { actionReadsAssignee, freesCapacity, loadHolders, newOffer, type LoadFacts } from './ticket-load';
import type { TicketAction } from './ticket-transition';
import { TicketStatus } from './ticket.enums';

const { NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED } = TicketStatus;
const facts = (
  status: TicketStatus,
  assigneeId: string | null,
  offeredToId: string | null = null,
): LoadFacts => Object.freeze({ status, assigneeId, offeredToId });

describe('loadHolders (an OPEN ticket counts for its assignee, an offer for its agent)', () => {
  it.each([
    [facts(NEW, null), []],
    [facts(NEW, null, 'ada'), ['ada']],
    [facts(OPEN, 'ada'), ['ada']],
    [facts(PENDING, 'ada'), []],
    [facts(ON_HOLD, 'ada'), []],
    [facts(SOLVED, 'ada'), []],
    [facts(CLOSED, 'ada'), []],
  ])('%o → %o', (ticket, holders) => {
    expect(loadHolders(ticket)).toStrictEqual(holders);
  });
});

describe('freesCapacity', () => {
  it.each([
    ['OPEN → PENDING', facts(OPEN, 'ada'), facts(PENDING, 'ada'), true],
    ['OPEN → ON_HOLD', facts(OPEN, 'ada'), facts(ON_HOLD, 'ada'), true],
    ['OPEN → SOLVED', facts(OPEN, 'ada'), facts(SOLVED, 'ada'), true],
    ['OPEN → CLOSED (live chat solve)', facts(OPEN, 'ada'), facts(CLOSED, 'ada'), true],
    ['OPEN reassigned to another agent', facts(OPEN, 'ada'), facts(OPEN, 'bo'), true],
    ['OPEN back to the queue', facts(OPEN, 'ada'), facts(NEW, null), true],
    ['offer declined, expired or withdrawn', facts(NEW, null, 'ada'), facts(NEW, null), true],
    ['offered ticket assigned by an admin to someone else', facts(NEW, null, 'ada'), facts(OPEN, 'bo'), true],
    ['offer accepted (same agent, offered → OPEN)', facts(NEW, null, 'ada'), facts(OPEN, 'ada'), false],
    ['offer made', facts(NEW, null), facts(NEW, null, 'ada'), false],
    ['assigned from the queue', facts(NEW, null), facts(OPEN, 'ada'), false],
    ['PENDING → OPEN', facts(PENDING, 'ada'), facts(OPEN, 'ada'), false],
    ['SOLVED → OPEN (reopen)', facts(SOLVED, 'ada'), facts(OPEN, 'ada'), false],
    ['SOLVED → CLOSED', facts(SOLVED, 'ada'), facts(CLOSED, 'ada'), false],
    ['PENDING reassigned', facts(PENDING, 'ada'), facts(PENDING, 'bo'), false],
    ['nothing changes on an OPEN ticket', facts(OPEN, 'ada'), facts(OPEN, 'ada'), false],
  ])('%s → %s', (_name, before, after, freed) => {
    expect(freesCapacity(before, after)).toBe(freed);
  });
});

describe('newOffer', () => {
  const at = new Date('2026-01-01T00:00:30Z');
  const later = new Date('2026-01-01T00:01:00Z');
  const none = { offeredToId: null, offerExpiresAt: null };
  it.each([
    ['no offer before or after', none, none, null],
    ['an offer made', none, { offeredToId: 'ada', offerExpiresAt: at }, { agentId: 'ada', expiresAt: at }],
    [
      'the same offer kept',
      { offeredToId: 'ada', offerExpiresAt: at },
      { offeredToId: 'ada', offerExpiresAt: new Date(at) },
      null,
    ],
    ['an offer ended', { offeredToId: 'ada', offerExpiresAt: at }, none, null],
    [
      'offered to another agent',
      { offeredToId: 'ada', offerExpiresAt: at },
      { offeredToId: 'bo', offerExpiresAt: later },
      { agentId: 'bo', expiresAt: later },
    ],
    [
      'the same agent, a new expiry',
      { offeredToId: 'ada', offerExpiresAt: at },
      { offeredToId: 'ada', offerExpiresAt: later },
      { agentId: 'ada', expiresAt: later },
    ],
  ] as const)('%s', (_name, before, after, offer) => {
    expect(newOffer(before, after)).toStrictEqual(offer);
  });
});

describe('actionReadsAssignee (only actions that can return a ticket to its assignee)', () => {
  const at = new Date();
  it.each<[TicketAction, boolean]>([
    [{ type: 'SET_STATUS', to: OPEN }, true],
    [{ type: 'END_USER_MESSAGE' }, true],
    [{ type: 'ASSIGN', agentId: 'ada' }, false],
    [{ type: 'UNASSIGN' }, false],
    [{ type: 'CLOSE_DUE', solvedAt: at }, false],
    [{ type: 'OFFER', agentId: 'ada', expiresAt: at }, false],
    [{ type: 'AUTO_ASSIGN', agentId: 'ada' }, false],
    [{ type: 'ACCEPT' }, false],
    [{ type: 'DECLINE' }, false],
    [{ type: 'EXPIRE_OFFER' }, false],
    [{ type: 'WITHDRAW_OFFER' }, false],
  ])('%o → %s', (action, reads) => {
    expect(actionReadsAssignee(action)).toBe(reads);
  });
});
