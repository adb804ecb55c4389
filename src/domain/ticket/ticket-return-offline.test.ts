import { AgentStatus } from '../agent/agent.rules';
import {
  AGENT_1,
  AGENT_2,
  CLOSED_AT,
  NOW,
  SOLVED_AT,
  SOLVED_CLOSES_AT,
  admin,
  expectRefused,
  frozenTicket,
  integration,
  otherAgent,
  statusChange,
  system,
} from '../../../test/support/ticket-state.fixtures';
import { freesCapacity } from './ticket-load';
import { transition, type TicketState } from './ticket-transition';
import { type Actor, ActorType, TicketChangeKind, TicketStatus } from './ticket.enums';

/** docs/domain.md "Presence": an OFFLINE agent's tickets returned to the queue, as transition() decides it. */

const { NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED } = TicketStatus;
const RETURN = { type: 'RETURN_FROM_OFFLINE' } as const;
const assignee: Actor = { type: ActorType.AGENT, id: AGENT_1 };

function held(status: TicketStatus, overrides: Partial<TicketState> = {}): TicketState {
  const base = { status, assigneeId: AGENT_1, assigneeStatus: AgentStatus.OFFLINE };
  switch (status) {
    case SOLVED:
      return frozenTicket({ ...base, solvedAt: SOLVED_AT, closesAt: SOLVED_CLOSES_AT, ...overrides });
    case CLOSED:
      return frozenTicket({ ...base, solvedAt: SOLVED_AT, closedAt: CLOSED_AT, ...overrides });
    default:
      return frozenTicket({ ...base, ...overrides });
  }
}

describe('RETURN_FROM_OFFLINE', () => {
  it.each([OPEN, PENDING, ON_HOLD])(
    'by the system takes a %s ticket to NEW with nobody, keeping its place, and asks routing',
    (status) => {
      const before = held(status);
      const result = transition(before, RETURN, system, NOW);
      expect(result).toStrictEqual({
        ok: true,
        next: { ...before, status: NEW, assigneeId: null, assigneeStatus: null },
        changes: [{ kind: TicketChangeKind.ASSIGNED, agentId: null }, statusChange(status, NEW)],
        effects: [{ type: 'ROUTE' }],
        keepsQueuePlace: true,
      });
      if (!result.ok) return;
      expect(freesCapacity(before, result.next)).toBe(status === OPEN);
    },
  );

  it.each<[string, TicketState]>([
    ['a NEW ticket waiting', frozenTicket({ status: NEW, assigneeId: null, assigneeStatus: null })],
    [
      'a NEW ticket offered',
      frozenTicket({
        status: NEW,
        assigneeId: null,
        assigneeStatus: null,
        offeredToId: AGENT_2,
        offerExpiresAt: NOW,
      }),
    ],
    ['a SOLVED ticket (it closes on its own)', held(SOLVED)],
    ['a CLOSED ticket', held(CLOSED)],
  ])('leaves %s alone (ILLEGAL_TRANSITION: the job changes nothing)', (_name, before) => {
    expectRefused(transition(before, RETURN, system, NOW), 'ILLEGAL_TRANSITION');
  });

  it.each<[string, Actor]>([
    ['the assignee', assignee],
    ['another agent', otherAgent],
    ['an admin', admin],
    ['an integration', integration],
  ])('by %s is FORBIDDEN: only the system does it', (_name, actor) => {
    expectRefused(transition(held(OPEN), RETURN, actor, NOW), 'FORBIDDEN');
  });
});
