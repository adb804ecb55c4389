import { AgentStatus } from '../agent/agent.rules';
import { type TicketAction, type TicketState, transition } from './ticket-transition';
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
import { type Actor, ActorType, TicketChangeKind, TicketStatus } from './ticket.enums';

const { NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED } = TicketStatus;

/** agent-1 is the agent a ticket is offered to in these tests. */
const offeredAgent: Actor = { type: ActorType.AGENT, id: AGENT_1 };
const agentWithoutId: Actor = { type: ActorType.AGENT };

/** NOW + 30 s (the default offerTimeoutSeconds). */
const EXPIRES_AT = new Date('2024-03-01T10:00:30.000Z');
const JUST_BEFORE_EXPIRY = new Date('2024-03-01T10:00:29.999Z');
const JUST_AFTER_EXPIRY = new Date('2024-03-01T10:00:30.001Z');
const LONG_AFTER_EXPIRY = new Date('2024-03-02T00:00:00.000Z');

/** A NEW ticket, unassigned and not on offer, on a 4-day social style; frozen so any mutation throws. */
function ticket(overrides: Partial<TicketState> = {}): TicketState {
  return frozenTicket({ status: NEW, assigneeId: null, assigneeStatus: null, ...overrides });
}

/** A NEW ticket offered to agent-1 until EXPIRES_AT. */
function offered(overrides: Partial<TicketState> = {}): TicketState {
  return ticket({ offeredToId: AGENT_1, offerExpiresAt: EXPIRES_AT, ...overrides });
}

/** A ticket in `status` assigned to agent-1, with the timestamps that status implies. */
function assignedIn(status: TicketStatus, overrides: Partial<TicketState> = {}): TicketState {
  const base = { status, assigneeId: AGENT_1, assigneeStatus: AgentStatus.ONLINE };
  switch (status) {
    case SOLVED:
      return ticket({ ...base, solvedAt: SOLVED_AT, closesAt: SOLVED_CLOSES_AT, ...overrides });
    case CLOSED:
      return ticket({ ...base, solvedAt: SOLVED_AT, closedAt: CLOSED_AT, ...overrides });
    default:
      return ticket({ ...base, ...overrides });
  }
}

const OFFER_2: TicketAction = { type: 'OFFER', agentId: AGENT_2, expiresAt: EXPIRES_AT };
const AUTO_ASSIGN_2: TicketAction = { type: 'AUTO_ASSIGN', agentId: AGENT_2 };

describe('OFFER', () => {
  it.each([
    { agentId: AGENT_1, expiresAt: '2024-03-01T10:00:30.000Z' },
    { agentId: AGENT_2, expiresAt: '2024-03-01T10:05:00.000Z' },
  ])('by the system offers a waiting NEW ticket to $agentId until $expiresAt', ({ agentId, expiresAt }) => {
    const before = ticket({ reopenCount: 1 });
    const at = new Date(expiresAt);
    expect(transition(before, { type: 'OFFER', agentId, expiresAt: at }, system, NOW)).toStrictEqual({
      ok: true,
      next: { ...before, offeredToId: agentId, offerExpiresAt: at },
      changes: [{ kind: TicketChangeKind.OFFERED, agentId }],
      effects: [],
    });
  });

  it('keeps the status NEW and the ticket unassigned', () => {
    const result = transition(ticket(), OFFER_2, system, NOW);
    expect(result).toMatchObject({ ok: true, next: { status: NEW, assigneeId: null } });
  });
});

describe('AUTO_ASSIGN', () => {
  it.each([AGENT_1, AGENT_2])('by the system assigns a waiting NEW ticket to %s and opens it', (agentId) => {
    const before = ticket({ reopenCount: 2 });
    expect(transition(before, { type: 'AUTO_ASSIGN', agentId }, system, NOW)).toStrictEqual({
      ok: true,
      next: { ...before, status: OPEN, assigneeId: agentId, assigneeStatus: null },
      changes: [{ kind: TicketChangeKind.ASSIGNED, agentId }, statusChange(NEW, OPEN)],
      effects: [],
    });
  });
});

describe.each([
  ['OFFER', OFFER_2],
  ['AUTO_ASSIGN', AUTO_ASSIGN_2],
])('%s refusals', (_label, action) => {
  it.each([
    ['already offered to another agent', offered()],
    ['already offered to the same agent', offered({ offeredToId: AGENT_2 })],
    ['offered with its time run out', offered({ offerExpiresAt: new Date('2024-03-01T09:00:00.000Z') })],
    ['NEW but assigned', ticket({ assigneeId: AGENT_1, assigneeStatus: AgentStatus.ONLINE })],
    ['OPEN and assigned', assignedIn(OPEN)],
    ['PENDING and assigned', assignedIn(PENDING)],
    ['ON_HOLD and assigned', assignedIn(ON_HOLD)],
    ['SOLVED and assigned', assignedIn(SOLVED)],
    ['CLOSED', assignedIn(CLOSED)],
    ['OPEN without an assignee', ticket({ status: OPEN })],
    ['PENDING without an assignee', ticket({ status: PENDING })],
    ['ON_HOLD without an assignee', ticket({ status: ON_HOLD })],
  ])('by the system on a ticket %s is ILLEGAL_TRANSITION', (_what, before) => {
    expectRefused(transition(before, action, system, NOW), 'ILLEGAL_TRANSITION');
  });

  it.each([
    ['the agent it names', { type: ActorType.AGENT, id: AGENT_2 }],
    ['another agent', offeredAgent],
    ['an agent without an id', agentWithoutId],
    ['an admin', admin],
    ['an integration', integration],
  ])('by %s is FORBIDDEN', (_who, actor) => {
    expectRefused(transition(ticket(), action, actor, NOW), 'FORBIDDEN');
  });
});

describe('ACCEPT', () => {
  it.each([
    ['30 s before expiry', NOW],
    ['1 ms before expiry', JUST_BEFORE_EXPIRY],
  ])('by the offered agent %s opens the ticket with them', (_when, now) => {
    const before = offered({ reopenCount: 1 });
    expect(transition(before, { type: 'ACCEPT' }, offeredAgent, now)).toStrictEqual({
      ok: true,
      next: {
        ...before,
        status: OPEN,
        assigneeId: AGENT_1,
        assigneeStatus: null,
        offeredToId: null,
        offerExpiresAt: null,
      },
      changes: [{ kind: TicketChangeKind.ASSIGNED, agentId: AGENT_1 }, statusChange(NEW, OPEN)],
      effects: [],
    });
  });

  it.each([
    ['exactly at offerExpiresAt', EXPIRES_AT],
    ['1 ms after offerExpiresAt', JUST_AFTER_EXPIRY],
    ['long after offerExpiresAt', LONG_AFTER_EXPIRY],
  ])('by the offered agent %s is ILLEGAL_TRANSITION', (_when, now) => {
    expectRefused(transition(offered(), { type: 'ACCEPT' }, offeredAgent, now), 'ILLEGAL_TRANSITION');
  });

  it.each([
    ['another agent, on a ticket offered to agent-1', otherAgent, offered()],
    ['an agent without an id', agentWithoutId, offered()],
    ['agent-1, on a ticket not on offer', offeredAgent, ticket()],
    ['agent-1, on a ticket offered to agent-2', offeredAgent, offered({ offeredToId: AGENT_2 })],
    ['agent-1, on an OPEN ticket already assigned to them', offeredAgent, assignedIn(OPEN)],
  ])('by %s before expiry is ILLEGAL_TRANSITION', (_who, actor, before) => {
    expectRefused(transition(before, { type: 'ACCEPT' }, actor, NOW), 'ILLEGAL_TRANSITION');
  });

  it.each([
    ['an admin', admin],
    ['an integration', integration],
    ['the system', system],
  ])('by %s is FORBIDDEN', (_who, actor) => {
    expectRefused(transition(offered(), { type: 'ACCEPT' }, actor, NOW), 'FORBIDDEN');
  });
});

describe('DECLINE', () => {
  it.each([
    ['30 s before expiry', NOW],
    ['1 ms before expiry', JUST_BEFORE_EXPIRY],
  ])('by the offered agent %s clears the offer and routes again', (_when, now) => {
    const before = offered({ reopenCount: 1 });
    expect(transition(before, { type: 'DECLINE' }, offeredAgent, now)).toStrictEqual({
      ok: true,
      next: { ...before, offeredToId: null, offerExpiresAt: null },
      changes: [{ kind: TicketChangeKind.OFFER_DECLINED, agentId: AGENT_1 }],
      effects: [{ type: 'ROUTE' }],
    });
  });

  it('leaves the ticket NEW and unassigned', () => {
    const result = transition(offered(), { type: 'DECLINE' }, offeredAgent, NOW);
    expect(result).toMatchObject({ ok: true, next: { status: NEW, assigneeId: null } });
  });

  it.each([
    ['a non-offered agent', otherAgent, offered()],
    ['an agent without an id', agentWithoutId, offered()],
    ['an admin', admin, offered()],
    ['an integration', integration, offered()],
    ['the system', system, offered()],
    // The actor is checked first: nobody is "the agent it is offered to" when nothing is offered.
    ['agent-1 when nothing is offered', offeredAgent, ticket()],
    ['an agent without an id when nothing is offered', agentWithoutId, ticket()],
    ['agent-1 on an OPEN ticket assigned to them', offeredAgent, assignedIn(OPEN)],
  ])('by %s is FORBIDDEN', (_who, actor, before) => {
    expectRefused(transition(before, { type: 'DECLINE' }, actor, NOW), 'FORBIDDEN');
  });
});

describe('EXPIRE_OFFER', () => {
  it.each([
    ['exactly at offerExpiresAt', EXPIRES_AT],
    ['1 ms after offerExpiresAt', JUST_AFTER_EXPIRY],
    ['long after (a late sweep)', LONG_AFTER_EXPIRY],
  ])('by the system %s clears the offer, routes again and sets the agent AWAY', (_when, now) => {
    const before = offered({ reopenCount: 1 });
    expect(transition(before, { type: 'EXPIRE_OFFER' }, system, now)).toStrictEqual({
      ok: true,
      next: { ...before, offeredToId: null, offerExpiresAt: null },
      changes: [{ kind: TicketChangeKind.OFFER_EXPIRED, agentId: AGENT_1 }],
      effects: [{ type: 'ROUTE' }, { type: 'SET_AGENT_AWAY', agentId: AGENT_1 }],
    });
  });

  it.each([
    ['1 ms before offerExpiresAt', JUST_BEFORE_EXPIRY],
    ['30 s before offerExpiresAt', NOW],
  ])('by the system %s (not yet due) is ILLEGAL_TRANSITION', (_when, now) => {
    expectRefused(transition(offered(), { type: 'EXPIRE_OFFER' }, system, now), 'ILLEGAL_TRANSITION');
  });

  it.each([
    ['a NEW ticket not on offer', ticket()],
    ['an OPEN ticket', assignedIn(OPEN)],
  ])('by the system on %s is ILLEGAL_TRANSITION', (_what, before) => {
    expectRefused(
      transition(before, { type: 'EXPIRE_OFFER' }, system, LONG_AFTER_EXPIRY),
      'ILLEGAL_TRANSITION',
    );
  });

  it.each([
    ['the offered agent', offeredAgent],
    ['another agent', otherAgent],
    ['an admin', admin],
    ['an integration', integration],
  ])('by %s is FORBIDDEN even when due', (_who, actor) => {
    expectRefused(transition(offered(), { type: 'EXPIRE_OFFER' }, actor, LONG_AFTER_EXPIRY), 'FORBIDDEN');
  });
});

describe('WITHDRAW_OFFER', () => {
  it.each([
    ['before expiry', NOW],
    ['after expiry', LONG_AFTER_EXPIRY],
  ])('by the system %s clears the offer and routes again, recorded as declined', (_when, now) => {
    const before = offered({ reopenCount: 1 });
    expect(transition(before, { type: 'WITHDRAW_OFFER' }, system, now)).toStrictEqual({
      ok: true,
      next: { ...before, offeredToId: null, offerExpiresAt: null },
      changes: [{ kind: TicketChangeKind.OFFER_DECLINED, agentId: AGENT_1 }],
      effects: [{ type: 'ROUTE' }],
    });
  });

  it.each([
    ['a NEW ticket not on offer', ticket()],
    ['an OPEN ticket', assignedIn(OPEN)],
  ])('by the system on %s is ILLEGAL_TRANSITION', (_what, before) => {
    expectRefused(transition(before, { type: 'WITHDRAW_OFFER' }, system, NOW), 'ILLEGAL_TRANSITION');
  });

  it.each([
    ['the offered agent', offeredAgent],
    ['another agent', otherAgent],
    ['an admin', admin],
    ['an integration', integration],
  ])('by %s is FORBIDDEN', (_who, actor) => {
    expectRefused(transition(offered(), { type: 'WITHDRAW_OFFER' }, actor, NOW), 'FORBIDDEN');
  });
});

describe('other actions on an offered NEW ticket', () => {
  it.each([
    // The offer to agent 1 is withdrawn first, so its console hears it go.
    ['another agent', AGENT_2, [{ kind: TicketChangeKind.OFFER_DECLINED, agentId: AGENT_1 }]],
    ['the offered agent', AGENT_1, []],
  ])('an admin ASSIGN to %s clears the offer and opens the ticket', (_who, agentId, withdrawn) => {
    const before = offered();
    expect(transition(before, { type: 'ASSIGN', agentId }, admin, NOW)).toStrictEqual({
      ok: true,
      next: {
        ...before,
        status: OPEN,
        assigneeId: agentId,
        assigneeStatus: null,
        offeredToId: null,
        offerExpiresAt: null,
      },
      changes: [...withdrawn, { kind: TicketChangeKind.ASSIGNED, agentId }, statusChange(NEW, OPEN)],
      effects: [],
    });
  });

  it.each([
    ['an integration', integration],
    ['an admin', admin],
  ])('an END_USER_MESSAGE from %s changes nothing', (_who, actor) => {
    const before = offered();
    expect(transition(before, { type: 'END_USER_MESSAGE' }, actor, NOW)).toStrictEqual({
      ok: true,
      next: before,
      changes: [],
      effects: [],
    });
  });
});

describe('offer actions on a CLOSED ticket', () => {
  const actions: TicketAction[] = [
    OFFER_2,
    AUTO_ASSIGN_2,
    { type: 'ACCEPT' },
    { type: 'DECLINE' },
    { type: 'EXPIRE_OFFER' },
    { type: 'WITHDRAW_OFFER' },
  ];
  const actors: Actor[] = [offeredAgent, otherAgent, admin, integration, system];
  const cases = actions.flatMap((action) =>
    actors.map((actor): [string, string, TicketAction, Actor] => [
      action.type,
      `${actor.type}${actor.id ? ` ${actor.id}` : ''}`,
      action,
      actor,
    ]),
  );

  it.each(cases)('%s by %s is ILLEGAL_TRANSITION', (_a, _b, action, actor) => {
    expectRefused(transition(assignedIn(CLOSED), action, actor, LONG_AFTER_EXPIRY), 'ILLEGAL_TRANSITION');
  });
});

describe('offer-action refusals never carry a next state', () => {
  const actions: TicketAction[] = [
    { type: 'OFFER', agentId: AGENT_1, expiresAt: EXPIRES_AT },
    OFFER_2,
    { type: 'AUTO_ASSIGN', agentId: AGENT_1 },
    AUTO_ASSIGN_2,
    { type: 'ACCEPT' },
    { type: 'DECLINE' },
    { type: 'EXPIRE_OFFER' },
    { type: 'WITHDRAW_OFFER' },
  ];
  const actors: Actor[] = [offeredAgent, otherAgent, agentWithoutId, admin, integration, system];
  const states: TicketState[] = [
    ticket(),
    offered(),
    offered({ offeredToId: AGENT_2 }),
    ...[OPEN, PENDING, ON_HOLD, SOLVED, CLOSED].map((status) => assignedIn(status)),
  ];
  const times = [NOW, JUST_BEFORE_EXPIRY, EXPIRES_AT, LONG_AFTER_EXPIRY];

  it('across every state × action × actor × time', () => {
    let refusals = 0;
    let successes = 0;
    for (const state of states) {
      for (const action of actions) {
        for (const actor of actors) {
          for (const now of times) {
            const result = transition(state, action, actor, now);
            if (result.ok) {
              successes += 1;
              expect(Object.keys(result).sort()).toStrictEqual(['changes', 'effects', 'next', 'ok']);
            } else {
              refusals += 1;
              expect(Object.keys(result).sort()).toStrictEqual(['code', 'ok', 'reason']);
              expect(['ILLEGAL_TRANSITION', 'FORBIDDEN']).toContain(result.code);
              expect(result.reason).toMatch(/\S/);
            }
          }
        }
      }
    }
    // 8 states × 8 actions × 6 actors × 4 times. Successes: 16 OFFER/AUTO_ASSIGN on the waiting ticket,
    // and on each offered ticket 2 ACCEPT + 4 DECLINE + 2 EXPIRE_OFFER + 4 WITHDRAW_OFFER.
    expect(successes).toBe(40);
    expect(refusals).toBe(1_536 - 40);
  });
});

describe('UNASSIGN of an offered NEW ticket', () => {
  it("withdraws the offer (not as the agent's refusal) and asks for routing", () => {
    const before = offered();
    expect(transition(before, { type: 'UNASSIGN' }, admin, NOW)).toStrictEqual({
      ok: true,
      next: { ...before, offeredToId: null, offerExpiresAt: null },
      changes: [{ kind: TicketChangeKind.OFFER_DECLINED, agentId: AGENT_1 }],
      effects: [{ type: 'ROUTE' }],
    });
  });
});
