import { AgentStatus } from '../agent/agent.rules';
import { ConversationStyleKind as Style } from '../conversation-style/conversation-style.rules';
import {
  AGENT_TRANSITIONS,
  type TicketAction,
  type TicketState,
  type TransitionRefusal,
  type TransitionResult,
  transition,
} from './ticket-transition';
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
const ALL_STATUSES: readonly TicketStatus[] = [NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED];
const NOT_CLOSED: readonly TicketStatus[] = [NEW, OPEN, PENDING, ON_HOLD, SOLVED];

const assignee: Actor = { type: ActorType.AGENT, id: AGENT_1 };

const CREATED_AT = new Date('2024-03-01T09:00:00.000Z');

/** A ticket OPEN with agent-1 (ONLINE) on a 4-day social style; frozen so any mutation throws. */
function ticket(overrides: Partial<TicketState> = {}): TicketState {
  return frozenTicket({
    status: OPEN,
    assigneeId: AGENT_1,
    assigneeStatus: AgentStatus.ONLINE,
    ...overrides,
  });
}

/** A ticket in `status` with the timestamps that status implies. */
function inStatus(status: TicketStatus, overrides: Partial<TicketState> = {}): TicketState {
  switch (status) {
    case SOLVED:
      return ticket({ status, solvedAt: SOLVED_AT, closesAt: SOLVED_CLOSES_AT, ...overrides });
    case CLOSED:
      return ticket({ status, solvedAt: SOLVED_AT, closesAt: null, closedAt: CLOSED_AT, ...overrides });
    default:
      return ticket({ status, ...overrides });
  }
}

function expectOk(result: TransitionResult | TransitionRefusal): TransitionResult {
  if (!result.ok) throw new Error(`expected the transition to succeed, got ${result.code}: ${result.reason}`);
  return result;
}

/** docs/domain.md "Ticket statuses": what the assignee or an admin may set, written out independently of the code. */
const DOCUMENTED_ALLOWED: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  [NEW]: [],
  [OPEN]: [PENDING, ON_HOLD, SOLVED],
  [PENDING]: [OPEN, SOLVED, ON_HOLD],
  [ON_HOLD]: [OPEN, SOLVED, PENDING],
  [SOLVED]: [OPEN],
  [CLOSED]: [],
};

const ALL_PAIRS: [TicketStatus, TicketStatus, boolean][] = ALL_STATUSES.flatMap((from) =>
  ALL_STATUSES.map((to): [TicketStatus, TicketStatus, boolean] => [
    from,
    to,
    DOCUMENTED_ALLOWED[from].includes(to),
  ]),
);

describe('AGENT_TRANSITIONS', () => {
  it.each(ALL_STATUSES)('from %s matches docs/domain.md', (from) => {
    expect([...AGENT_TRANSITIONS[from]].sort()).toEqual([...DOCUMENTED_ALLOWED[from]].sort());
  });
});

describe('SET_STATUS: every (from × to) pair', () => {
  describe.each([
    ['the assignee', assignee],
    ['an admin', admin],
  ])('by %s', (_label, actor) => {
    it.each(ALL_PAIRS)('%s → %s allowed: %p', (from, to, allowed) => {
      const before = inStatus(from);
      const result = transition(before, { type: 'SET_STATUS', to }, actor, NOW);
      if (!allowed) {
        expectRefused(result, 'ILLEGAL_TRANSITION');
        return;
      }
      const { next, changes } = expectOk(result);
      // SOCIAL_MESSAGING: a solve stays SOLVED (closing later), so the resulting status is the target.
      expect(next.status).toBe(to);
      expect(next.assigneeId).toBe(AGENT_1);
      expect(changes).toContainEqual(statusChange(from, to));
    });
  });

  describe.each([
    ['a non-assignee agent', otherAgent],
    ['an integration', integration],
    ['the system', system],
  ])('by %s', (_label, actor) => {
    it.each(ALL_PAIRS.filter(([from]) => from !== CLOSED))('%s → %s is FORBIDDEN', (from, to) => {
      expectRefused(transition(inStatus(from), { type: 'SET_STATUS', to }, actor, NOW), 'FORBIDDEN');
    });
  });

  it('an agent actor without an id is not the assignee of an unassigned ticket', () => {
    const result = transition(
      ticket({ status: PENDING, assigneeId: null, assigneeStatus: null }),
      { type: 'SET_STATUS', to: OPEN },
      { type: ActorType.AGENT },
      NOW,
    );
    expectRefused(result, 'FORBIDDEN');
  });

  describe.each([
    ['the assignee', assignee],
    ['an admin', admin],
  ])('plain moves by %s', (_label, actor) => {
    it.each<[TicketStatus, TicketStatus]>([
      [OPEN, PENDING],
      [OPEN, ON_HOLD],
      [PENDING, OPEN],
      [PENDING, ON_HOLD],
      [ON_HOLD, OPEN],
      [ON_HOLD, PENDING],
    ])('%s → %s changes only the status', (from, to) => {
      const before = ticket({ status: from, reopenCount: 1 });
      expect(transition(before, { type: 'SET_STATUS', to }, actor, NOW)).toStrictEqual({
        ok: true,
        next: { ...before, status: to },
        changes: [statusChange(from, to)],
        effects: [],
      });
    });
  });
});

describe('SET_STATUS SOLVED', () => {
  describe.each([
    ['the assignee', assignee],
    ['an admin', admin],
  ])('by %s', (_label, actor) => {
    it.each([OPEN, PENDING, ON_HOLD])('LIVE_CHAT from %s closes at once', (from) => {
      const before = ticket({ status: from, styleKind: Style.LIVE_CHAT, closeAfterSolvedSeconds: 0 });
      expect(transition(before, { type: 'SET_STATUS', to: SOLVED }, actor, NOW)).toStrictEqual({
        ok: true,
        next: { ...before, status: CLOSED, solvedAt: NOW, closedAt: NOW, closesAt: null },
        changes: [statusChange(from, SOLVED), statusChange(SOLVED, CLOSED)],
        effects: [],
      });
    });

    it.each([
      // NOW = 2024-03-01T10:00:00Z; each closesAt is worked out by hand.
      { style: Style.LIVE_CHAT_RETURNING, from: OPEN, seconds: 3_600, closesAt: '2024-03-01T11:00:00.000Z' },
      { style: Style.LIVE_CHAT_RETURNING, from: PENDING, seconds: 1, closesAt: '2024-03-01T10:00:01.000Z' },
      { style: Style.SOCIAL_MESSAGING, from: OPEN, seconds: 345_600, closesAt: '2024-03-05T10:00:00.000Z' },
      {
        style: Style.SOCIAL_MESSAGING,
        from: ON_HOLD,
        seconds: 1_209_600,
        closesAt: '2024-03-15T10:00:00.000Z',
      },
      {
        style: Style.SOCIAL_MESSAGING,
        from: PENDING,
        seconds: 2_419_200,
        closesAt: '2024-03-29T10:00:00.000Z',
      },
    ])(
      '$style ($seconds s) from $from schedules the close at $closesAt',
      ({ style, from, seconds, closesAt }) => {
        const before = ticket({ status: from, styleKind: style, closeAfterSolvedSeconds: seconds });
        const at = new Date(closesAt);
        expect(transition(before, { type: 'SET_STATUS', to: SOLVED }, actor, NOW)).toStrictEqual({
          ok: true,
          next: { ...before, status: SOLVED, solvedAt: NOW, closesAt: at, closedAt: null },
          changes: [statusChange(from, SOLVED)],
          effects: [{ type: 'SCHEDULE_CLOSE', at }],
        });
      },
    );
  });

  it.each([
    [Style.LIVE_CHAT, OPEN],
    [Style.LIVE_CHAT, PENDING],
    [Style.LIVE_CHAT_RETURNING, OPEN],
    [Style.SOCIAL_MESSAGING, OPEN],
    [Style.SOCIAL_MESSAGING, PENDING],
    [Style.SOCIAL_MESSAGING, ON_HOLD],
  ])('%s: an admin cannot solve an unassigned %s ticket', (styleKind, from) => {
    const before = ticket({ status: from, styleKind, assigneeId: null, assigneeStatus: null });
    expectRefused(transition(before, { type: 'SET_STATUS', to: SOLVED }, admin, NOW), 'ILLEGAL_TRANSITION');
  });
});

describe('SET_STATUS OPEN on a SOLVED ticket is a reopen', () => {
  it.each([
    ['the assignee', assignee, Style.SOCIAL_MESSAGING],
    ['the assignee', assignee, Style.LIVE_CHAT_RETURNING],
    ['an admin', admin, Style.SOCIAL_MESSAGING],
    ['an admin', admin, Style.LIVE_CHAT_RETURNING],
  ])('by %s (%s)', (_label, actor, styleKind) => {
    const before = inStatus(SOLVED, { styleKind, reopenCount: 2 });
    expect(transition(before, { type: 'SET_STATUS', to: OPEN }, actor, NOW)).toStrictEqual({
      ok: true,
      next: { ...before, status: OPEN, solvedAt: null, closesAt: null, reopenCount: 3 },
      changes: [{ kind: TicketChangeKind.REOPENED }, statusChange(SOLVED, OPEN)],
      effects: [{ type: 'CANCEL_SCHEDULED_CLOSE' }],
    });
  });
});

describe('a reopen when the assignee is OFFLINE', () => {
  it('by an admin sends the ticket back to routing', () => {
    const before = inStatus(SOLVED, { assigneeStatus: AgentStatus.OFFLINE, reopenCount: 0 });
    expect(transition(before, { type: 'SET_STATUS', to: OPEN }, admin, NOW)).toStrictEqual({
      ok: true,
      next: {
        ...before,
        status: NEW,
        assigneeId: null,
        assigneeStatus: null,
        solvedAt: null,
        closesAt: null,
        reopenCount: 1,
      },
      changes: [
        { kind: TicketChangeKind.REOPENED },
        statusChange(SOLVED, NEW),
        { kind: TicketChangeKind.ASSIGNED, agentId: null },
      ],
      effects: [{ type: 'CANCEL_SCHEDULED_CLOSE' }, { type: 'ROUTE' }],
    });
  });

  it('by the assignee themselves keeps it with them', () => {
    const before = inStatus(SOLVED, { assigneeStatus: AgentStatus.OFFLINE, reopenCount: 0 });
    const result = expectOk(transition(before, { type: 'SET_STATUS', to: OPEN }, assignee, NOW));
    expect(result.next).toMatchObject({ status: OPEN, assigneeId: AGENT_1, reopenCount: 1 });
  });
});

describe('END_USER_MESSAGE', () => {
  describe.each([
    ['an integration', integration],
    ['an admin', admin],
  ])('from %s', (_label, actor) => {
    it.each([NEW, OPEN])('on %s changes nothing', (status) => {
      const before = ticket({
        status,
        ...(status === NEW ? { assigneeId: null, assigneeStatus: null } : {}),
      });
      expect(transition(before, { type: 'END_USER_MESSAGE' }, actor, NOW)).toStrictEqual({
        ok: true,
        next: before,
        changes: [],
        effects: [],
      });
    });

    it.each([
      [PENDING, AgentStatus.ONLINE],
      [PENDING, AgentStatus.AWAY],
      [ON_HOLD, AgentStatus.ONLINE],
      [ON_HOLD, AgentStatus.OFFLINE],
    ])('on %s (assignee %s) goes back to OPEN with the same agent', (status, assigneeStatus) => {
      const before = ticket({ status, assigneeStatus });
      expect(transition(before, { type: 'END_USER_MESSAGE' }, actor, NOW)).toStrictEqual({
        ok: true,
        next: { ...before, status: OPEN },
        changes: [statusChange(status, OPEN)],
        effects: [],
      });
    });

    it.each([
      [Style.LIVE_CHAT_RETURNING, AgentStatus.ONLINE],
      [Style.LIVE_CHAT_RETURNING, AgentStatus.AWAY],
      [Style.SOCIAL_MESSAGING, AgentStatus.ONLINE],
      [Style.SOCIAL_MESSAGING, AgentStatus.AWAY],
    ])('on SOLVED (%s, assignee %s) reopens with the same agent', (styleKind, assigneeStatus) => {
      const before = inStatus(SOLVED, { styleKind, assigneeStatus, reopenCount: 1 });
      expect(transition(before, { type: 'END_USER_MESSAGE' }, actor, NOW)).toStrictEqual({
        ok: true,
        next: { ...before, status: OPEN, solvedAt: null, closesAt: null, reopenCount: 2 },
        changes: [{ kind: TicketChangeKind.REOPENED }, statusChange(SOLVED, OPEN)],
        effects: [{ type: 'CANCEL_SCHEDULED_CLOSE' }],
      });
    });

    it.each([Style.LIVE_CHAT_RETURNING, Style.SOCIAL_MESSAGING])(
      'on SOLVED (%s) with an OFFLINE assignee reopens into routing',
      (styleKind) => {
        const before = inStatus(SOLVED, { styleKind, assigneeStatus: AgentStatus.OFFLINE, reopenCount: 0 });
        expect(transition(before, { type: 'END_USER_MESSAGE' }, actor, NOW)).toStrictEqual({
          ok: true,
          next: {
            ...before,
            status: NEW,
            assigneeId: null,
            assigneeStatus: null,
            solvedAt: null,
            closesAt: null,
            reopenCount: 1,
          },
          changes: [
            { kind: TicketChangeKind.REOPENED },
            statusChange(SOLVED, NEW),
            { kind: TicketChangeKind.ASSIGNED, agentId: null },
          ],
          effects: [{ type: 'CANCEL_SCHEDULED_CLOSE' }, { type: 'ROUTE' }],
        });
      },
    );

    it('on a SOLVED LIVE_CHAT ticket (a state live chat never leaves open) is refused', () => {
      const before = inStatus(SOLVED, { styleKind: Style.LIVE_CHAT, closeAfterSolvedSeconds: 0 });
      expectRefused(transition(before, { type: 'END_USER_MESSAGE' }, actor, NOW), 'ILLEGAL_TRANSITION');
    });
  });

  describe.each([
    ['the assignee', assignee],
    ['another agent', otherAgent],
  ])('from %s (an AGENT)', (_label, actor) => {
    it.each(NOT_CLOSED)('on %s is FORBIDDEN', (status) => {
      expectRefused(transition(inStatus(status), { type: 'END_USER_MESSAGE' }, actor, NOW), 'FORBIDDEN');
    });
  });
});

describe('a CLOSED ticket', () => {
  const actions: [string, TicketAction][] = [
    ...ALL_STATUSES.map((to): [string, TicketAction] => [`SET_STATUS ${to}`, { type: 'SET_STATUS', to }]),
    ['END_USER_MESSAGE', { type: 'END_USER_MESSAGE' }],
    ['ASSIGN agent-2', { type: 'ASSIGN', agentId: AGENT_2 }],
    ['ASSIGN agent-1', { type: 'ASSIGN', agentId: AGENT_1 }],
    ['UNASSIGN', { type: 'UNASSIGN' }],
    ['CLOSE_DUE (same solve)', { type: 'CLOSE_DUE', solvedAt: SOLVED_AT }],
  ];
  const actors: [string, Actor][] = [
    ['assignee', assignee],
    ['other agent', otherAgent],
    ['admin', admin],
    ['integration', integration],
    ['system', system],
  ];
  const cases = actions.flatMap(([actionLabel, action]) =>
    actors.map(([actorLabel, actor]): [string, string, TicketAction, Actor] => [
      actionLabel,
      actorLabel,
      action,
      actor,
    ]),
  );

  describe.each([Style.LIVE_CHAT, Style.SOCIAL_MESSAGING])('(%s)', (styleKind) => {
    it.each(cases)('refuses %s by %s as ILLEGAL_TRANSITION', (_a, _b, action, actor) => {
      const before = inStatus(CLOSED, { styleKind });
      // Long after the close time, so nothing could be "not yet due".
      expectRefused(
        transition(before, action, actor, new Date('2024-06-01T00:00:00.000Z')),
        'ILLEGAL_TRANSITION',
      );
    });
  });
});

describe('ASSIGN', () => {
  it('by an admin takes a NEW ticket to OPEN with the named agent', () => {
    const before = ticket({ status: NEW, assigneeId: null, assigneeStatus: null });
    expect(transition(before, { type: 'ASSIGN', agentId: AGENT_2 }, admin, NOW)).toStrictEqual({
      ok: true,
      next: { ...before, status: OPEN, assigneeId: AGENT_2, assigneeStatus: null },
      changes: [{ kind: TicketChangeKind.ASSIGNED, agentId: AGENT_2 }, statusChange(NEW, OPEN)],
      effects: [],
    });
  });

  it.each([OPEN, PENDING, ON_HOLD])(
    'by an admin keeps a %s ticket in its status and changes the agent',
    (status) => {
      const before = ticket({ status, assigneeStatus: AgentStatus.OFFLINE });
      expect(transition(before, { type: 'ASSIGN', agentId: AGENT_2 }, admin, NOW)).toStrictEqual({
        ok: true,
        // The previous assignee's presence must not carry over to the new one.
        next: { ...before, assigneeId: AGENT_2, assigneeStatus: null },
        changes: [{ kind: TicketChangeKind.ASSIGNED, agentId: AGENT_2 }],
        effects: [],
      });
    },
  );

  it.each([OPEN, PENDING, ON_HOLD])('to the current assignee of a %s ticket is a no-op', (status) => {
    const before = ticket({ status });
    expect(transition(before, { type: 'ASSIGN', agentId: AGENT_1 }, admin, NOW)).toStrictEqual({
      ok: true,
      next: before,
      changes: [],
      effects: [],
    });
  });

  describe.each([
    ['the assignee', assignee],
    ['another agent', otherAgent],
    ['an integration', integration],
  ])('by %s', (_label, actor) => {
    it.each(NOT_CLOSED)('on %s is FORBIDDEN', (status) => {
      expectRefused(
        transition(inStatus(status), { type: 'ASSIGN', agentId: AGENT_2 }, actor, NOW),
        'FORBIDDEN',
      );
    });
  });
});

describe('UNASSIGN', () => {
  it.each([OPEN, PENDING, ON_HOLD])('by an admin sends a %s ticket back to NEW for routing', (status) => {
    const before = ticket({ status, reopenCount: 1 });
    expect(transition(before, { type: 'UNASSIGN' }, admin, NOW)).toStrictEqual({
      ok: true,
      next: {
        ...before,
        status: NEW,
        assigneeId: null,
        assigneeStatus: null,
        solvedAt: null,
        closesAt: null,
      },
      changes: [{ kind: TicketChangeKind.ASSIGNED, agentId: null }, statusChange(status, NEW)],
      effects: [{ type: 'ROUTE' }],
    });
  });

  it('by an admin on a SOLVED ticket also cancels the scheduled close', () => {
    const before = inStatus(SOLVED);
    expect(transition(before, { type: 'UNASSIGN' }, admin, NOW)).toStrictEqual({
      ok: true,
      next: {
        ...before,
        status: NEW,
        assigneeId: null,
        assigneeStatus: null,
        solvedAt: null,
        closesAt: null,
      },
      changes: [{ kind: TicketChangeKind.ASSIGNED, agentId: null }, statusChange(SOLVED, NEW)],
      effects: [{ type: 'CANCEL_SCHEDULED_CLOSE' }, { type: 'ROUTE' }],
    });
  });

  it('by an admin on an unassigned NEW ticket only asks routing again', () => {
    const before = ticket({ status: NEW, assigneeId: null, assigneeStatus: null });
    expect(transition(before, { type: 'UNASSIGN' }, admin, NOW)).toStrictEqual({
      ok: true,
      next: before,
      changes: [],
      effects: [{ type: 'ROUTE' }],
    });
  });

  describe.each([
    ['the assignee', assignee],
    ['another agent', otherAgent],
    ['an integration', integration],
  ])('by %s', (_label, actor) => {
    it.each(NOT_CLOSED)('on %s is FORBIDDEN', (status) => {
      expectRefused(transition(inStatus(status), { type: 'UNASSIGN' }, actor, NOW), 'FORBIDDEN');
    });
  });
});

describe('CLOSE_DUE', () => {
  // SOLVED_AT 2024-03-01T09:30Z, closes 4 days later at 2024-03-05T09:30Z.
  it.each([
    ['exactly at the close time', '2024-03-05T09:30:00.000Z'],
    ['after the close time (a late sweep)', '2024-03-07T00:00:00.000Z'],
  ])('by the system closes the same solve %s', (_label, nowIso) => {
    const before = inStatus(SOLVED, { reopenCount: 1 });
    const now = new Date(nowIso);
    expect(
      transition(before, { type: 'CLOSE_DUE', solvedAt: new Date(SOLVED_AT) }, system, now),
    ).toStrictEqual({
      ok: true,
      next: { ...before, status: CLOSED, solvedAt: SOLVED_AT, closesAt: null, closedAt: now },
      changes: [statusChange(SOLVED, CLOSED)],
      effects: [],
    });
  });

  it('refuses a job from an earlier solve once the ticket was re-solved', () => {
    const resolvedAt = new Date('2024-03-02T12:00:00.000Z');
    const before = inStatus(SOLVED, {
      solvedAt: resolvedAt,
      closesAt: new Date('2024-03-06T12:00:00.000Z'),
      reopenCount: 1,
    });
    expectRefused(
      transition(
        before,
        { type: 'CLOSE_DUE', solvedAt: SOLVED_AT },
        system,
        new Date('2024-03-07T00:00:00.000Z'),
      ),
      'ILLEGAL_TRANSITION',
    );
  });

  it('refuses when not yet due (one millisecond early)', () => {
    expectRefused(
      transition(
        inStatus(SOLVED),
        { type: 'CLOSE_DUE', solvedAt: SOLVED_AT },
        system,
        new Date('2024-03-05T09:29:59.999Z'),
      ),
      'ILLEGAL_TRANSITION',
    );
  });

  it.each([NEW, OPEN, PENDING, ON_HOLD])('refuses a %s ticket (reopened since the solve)', (status) => {
    const before = ticket({ status, reopenCount: 1 });
    expectRefused(
      transition(
        before,
        { type: 'CLOSE_DUE', solvedAt: SOLVED_AT },
        system,
        new Date('2024-03-07T00:00:00.000Z'),
      ),
      'ILLEGAL_TRANSITION',
    );
  });

  it.each([
    ['the assignee', assignee],
    ['another agent', otherAgent],
    ['an admin', admin],
    ['an integration', integration],
  ])('by %s is FORBIDDEN even when due', (_label, actor) => {
    expectRefused(
      transition(
        inStatus(SOLVED),
        { type: 'CLOSE_DUE', solvedAt: SOLVED_AT },
        actor,
        new Date('2024-03-07T00:00:00.000Z'),
      ),
      'FORBIDDEN',
    );
  });
});

describe('refusals never carry a next state', () => {
  const actions: TicketAction[] = [
    ...ALL_STATUSES.map((to): TicketAction => ({ type: 'SET_STATUS', to })),
    { type: 'END_USER_MESSAGE' },
    { type: 'ASSIGN', agentId: AGENT_1 },
    { type: 'ASSIGN', agentId: AGENT_2 },
    { type: 'UNASSIGN' },
    { type: 'CLOSE_DUE', solvedAt: SOLVED_AT },
    { type: 'CLOSE_DUE', solvedAt: CREATED_AT },
  ];
  const actors = [assignee, otherAgent, admin, integration, system, { type: ActorType.AGENT }];
  const states = ALL_STATUSES.flatMap((status) =>
    [Style.LIVE_CHAT, Style.LIVE_CHAT_RETURNING, Style.SOCIAL_MESSAGING].flatMap((styleKind) => [
      inStatus(status, { styleKind }),
      inStatus(status, { styleKind, assigneeStatus: AgentStatus.OFFLINE }),
      inStatus(status, { styleKind, assigneeId: null, assigneeStatus: null }),
    ]),
  );

  it('across every state × action × actor', () => {
    let refusals = 0;
    for (const state of states) {
      for (const action of actions) {
        for (const actor of actors) {
          for (const now of [NOW, new Date('2024-06-01T00:00:00.000Z')]) {
            const result = transition(state, action, actor, now);
            if (result.ok) {
              expect(Object.keys(result).sort()).toEqual(['changes', 'effects', 'next', 'ok']);
            } else {
              refusals += 1;
              expect(Object.keys(result).sort()).toEqual(['code', 'ok', 'reason']);
              expect(['ILLEGAL_TRANSITION', 'FORBIDDEN']).toContain(result.code);
            }
          }
        }
      }
    }
    expect(refusals).toBeGreaterThan(0);
  });
});
