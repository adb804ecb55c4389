import { AgentStatus } from '../agent/agent.rules';
import {
  AGENT_1,
  AGENT_2,
  NOW,
  admin,
  frozenTicket,
  system,
} from '../../../test/support/ticket-state.fixtures';
import {
  actionReadsAssignee,
  freesCapacity,
  loadHolders,
  loadMovedBy,
  newOffer,
  offeredToAfter,
  type LoadFacts,
} from './ticket-load';
import { transition, type TicketAction, type TicketState } from './ticket-transition';
import { type Actor, ActorType, TicketChangeKind, TicketStatus } from './ticket.enums';

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
    [{ type: 'TRANSFER', to: { kind: 'QUEUE' } }, false],
  ])('%o → %s', (action, reads) => {
    expect(actionReadsAssignee(action)).toBe(reads);
  });
});

describe('loadMovedBy (whose load one recorded change moved: agentChanged)', () => {
  it.each<[string, LoadFacts | null, LoadFacts, string[]]>([
    ['a first change (CREATED)', null, facts(NEW, null), []],
    ['an offer made', facts(NEW, null), facts(NEW, null, 'ada'), ['ada']],
    ['an offer ended (declined, expired, withdrawn)', facts(NEW, null, 'ada'), facts(NEW, null), ['ada']],
    // An accept is recorded as ASSIGNED (the ticket still NEW: nobody holds it) then NEW → OPEN.
    ['an accept’s ASSIGNED', facts(NEW, null, 'ada'), facts(NEW, 'ada'), ['ada']],
    ['an accept’s NEW → OPEN', facts(NEW, 'ada'), facts(OPEN, 'ada'), ['ada']],
    ['OPEN → PENDING', facts(OPEN, 'ada'), facts(PENDING, 'ada'), ['ada']],
    ['PENDING → OPEN (an end user writes)', facts(PENDING, 'ada'), facts(OPEN, 'ada'), ['ada']],
    ['an OPEN ticket reassigned', facts(OPEN, 'ada'), facts(OPEN, 'bo'), ['ada', 'bo']],
    ['a PENDING ticket reassigned (held by nobody)', facts(PENDING, 'ada'), facts(PENDING, 'bo'), []],
    ['PENDING → ON_HOLD', facts(PENDING, 'ada'), facts(ON_HOLD, 'ada'), []],
    ['a message on an OPEN ticket', facts(OPEN, 'ada'), facts(OPEN, 'ada'), []],
    ['SOLVED → CLOSED', facts(SOLVED, 'ada'), facts(CLOSED, 'ada'), []],
  ])('%s → %o', (_name, before, after, moved) => {
    expect(loadMovedBy(before, after).sort()).toStrictEqual(moved);
  });
});

describe('offeredToAfter (the offer as the event log records it, change by change)', () => {
  const K = TicketChangeKind;
  it.each<[TicketChangeKind, string | null, string | null, string | null]>([
    [K.CREATED, null, null, null],
    [K.OFFERED, 'ada', null, 'ada'],
    [K.OFFER_DECLINED, 'ada', 'ada', null],
    [K.OFFER_EXPIRED, 'ada', 'ada', null],
    [K.ASSIGNED, 'ada', 'ada', null],
    [K.ASSIGNED, 'bo', 'ada', null],
    [K.ASSIGNED, null, null, null],
    [K.STATUS_CHANGED, null, 'ada', 'ada'],
    [K.MESSAGE_ADDED, null, 'ada', 'ada'],
    [K.REOPENED, null, null, null],
  ])('%s (agent %s) after an offer to %s → %s', (kind, agentId, before, after) => {
    expect(offeredToAfter({ kind, agentId }, before)).toBe(after);
  });

  // The fold over a transition's recorded changes ends where transition() leaves the ticket.
  const offeredAgent: Actor = { type: ActorType.AGENT, id: AGENT_1 };
  const EXPIRES = new Date(NOW.getTime() + 30_000);
  const waiting = frozenTicket({ status: NEW, assigneeId: null, assigneeStatus: null });
  const offered = frozenTicket({
    status: NEW,
    assigneeId: null,
    assigneeStatus: null,
    offeredToId: AGENT_1,
    offerExpiresAt: EXPIRES,
  });
  const open = frozenTicket({ status: OPEN, assigneeId: AGENT_1, assigneeStatus: AgentStatus.ONLINE });
  it.each<[string, TicketState, TicketAction, Actor, Date]>([
    ['an offer', waiting, { type: 'OFFER', agentId: AGENT_1, expiresAt: EXPIRES }, system, NOW],
    ['an auto-assignment', waiting, { type: 'AUTO_ASSIGN', agentId: AGENT_1 }, system, NOW],
    ['an accept', offered, { type: 'ACCEPT' }, offeredAgent, NOW],
    ['a decline', offered, { type: 'DECLINE' }, offeredAgent, NOW],
    ['an expiry', offered, { type: 'EXPIRE_OFFER' }, system, new Date(EXPIRES.getTime() + 1)],
    ['a withdrawal', offered, { type: 'WITHDRAW_OFFER' }, system, NOW],
    ['an admin’s assignment to another agent', offered, { type: 'ASSIGN', agentId: AGENT_2 }, admin, NOW],
    ['an admin’s assignment to the offered agent', offered, { type: 'ASSIGN', agentId: AGENT_1 }, admin, NOW],
    ['back to the queue from an offer', offered, { type: 'UNASSIGN' }, admin, NOW],
    ['back to the queue from OPEN', open, { type: 'UNASSIGN' }, admin, NOW],
    ['OPEN → PENDING', open, { type: 'SET_STATUS', to: PENDING }, admin, NOW],
  ])('%s', (_name, before, action, actor, now) => {
    const result = transition(before, action, actor, now);
    if (!result.ok) throw new Error(result.reason);
    const folded = result.changes.reduce<string | null>(
      (offeredTo, change) => offeredToAfter(change, offeredTo),
      before.offeredToId,
    );
    expect(folded).toBe(result.next.offeredToId);
  });
});
