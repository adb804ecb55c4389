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
  system,
} from '../../../test/support/ticket-state.fixtures';
import { transition, type TicketState } from './ticket-transition';
import { type Actor, ActorType, TicketChangeKind, TicketStatus } from './ticket.enums';

/** docs/domain.md "Skills timeout": updateTicket as transition() decides it (who, when, what it records). */

const { NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED } = TicketStatus;
const assignee: Actor = { type: ActorType.AGENT, id: AGENT_1 };
const UPDATED = [{ kind: TicketChangeKind.TICKET_UPDATED }];

const waiting = frozenTicket({ status: NEW, assigneeId: null, assigneeStatus: null });
const offered = frozenTicket({
  status: NEW,
  assigneeId: null,
  assigneeStatus: null,
  offeredToId: AGENT_2,
  offerExpiresAt: new Date(NOW.getTime() + 30_000),
});
const held = (status: TicketStatus): TicketState =>
  frozenTicket({
    status,
    assigneeId: AGENT_1,
    assigneeStatus: AgentStatus.ONLINE,
    ...(status === SOLVED ? { solvedAt: SOLVED_AT, closesAt: SOLVED_CLOSES_AT } : {}),
    ...(status === CLOSED ? { solvedAt: SOLVED_AT, closedAt: CLOSED_AT } : {}),
  });

describe('transition UPDATE', () => {
  it.each([
    { name: 'an admin, on a waiting ticket: routed again', ticket: waiting, actor: admin, route: true },
    { name: 'an admin, on an offered ticket: the offer stands', ticket: offered, actor: admin, route: false },
    ...[OPEN, PENDING, ON_HOLD, SOLVED].flatMap((status) => [
      { name: `the assignee, on its ${status} ticket`, ticket: held(status), actor: assignee, route: false },
      { name: `an admin, on a ${status} ticket`, ticket: held(status), actor: admin, route: false },
    ]),
  ])('$name: one TICKET_UPDATED, the state unchanged', ({ ticket, actor, route }) => {
    expect(transition(ticket, { type: 'UPDATE', changed: true }, actor, NOW)).toStrictEqual({
      ok: true,
      next: ticket,
      changes: UPDATED,
      effects: route ? [{ type: 'ROUTE' }] : [],
    });
  });

  it.each([
    ['admin on a waiting ticket', waiting, admin],
    ['assignee on its OPEN ticket', held(OPEN), assignee],
  ])('nothing differs (%s): nothing recorded, nothing routed', (_label, ticket, actor) => {
    expect(transition(ticket, { type: 'UPDATE', changed: false }, actor, NOW)).toStrictEqual({
      ok: true,
      next: ticket,
      changes: [],
      effects: [],
    });
  });

  it.each([
    ['another agent, on an OPEN ticket', held(OPEN), otherAgent],
    ['an agent, on a waiting ticket (it has no assignee)', waiting, assignee],
    ['the agent it is offered to (not yet its assignee)', offered, otherAgent],
    ['an integration', held(OPEN), integration],
    ['the system', held(OPEN), system],
  ])('FORBIDDEN: %s', (_label, ticket, actor) => {
    expectRefused(transition(ticket, { type: 'UPDATE', changed: true }, actor, NOW), 'FORBIDDEN');
  });

  it('FORBIDDEN even when nothing would change', () => {
    expectRefused(transition(held(OPEN), { type: 'UPDATE', changed: false }, otherAgent, NOW), 'FORBIDDEN');
  });

  it.each([
    ['an admin', admin],
    ['its last assignee', assignee],
  ])('a CLOSED ticket is not updated, by %s: ILLEGAL_TRANSITION', (_label, actor) => {
    for (const changed of [true, false]) {
      expectRefused(transition(held(CLOSED), { type: 'UPDATE', changed }, actor, NOW), 'ILLEGAL_TRANSITION');
    }
  });
});
