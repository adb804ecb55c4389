import { AgentStatus } from '../agent/agent.rules';
import { keepsQueuePlace } from '../routing/queue-order';
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
import { assignedTo, assigneeAfter, freesCapacity, newOffer, offeredToAfter } from './ticket-load';
import {
  transferredAs,
  transition,
  type TicketState,
  type TransferTarget,
  type TransferTo,
  type TransitionRefusal,
  type TransitionResult,
} from './ticket-transition';
import { type Actor, ActorType, TicketChangeKind, TicketStatus } from './ticket.enums';

/** docs/domain.md "Transfer" as transition() decides it: who, from which status, to whom, and what it records. */

const { NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED } = TicketStatus;
const HELD: readonly TicketStatus[] = [OPEN, PENDING, ON_HOLD];

const assignee: Actor = { type: ActorType.AGENT, id: AGENT_1 };
const AGENT_3 = 'agent-3';
const EXPIRES_AT = new Date(NOW.getTime() + 30_000);

/** A colleague with room: ONLINE, load 1 of 3. */
const free = (id: string, overrides: Partial<TransferTarget> = {}): TransferTarget => ({
  id,
  status: AgentStatus.ONLINE,
  capacity: 3,
  load: 1,
  ...overrides,
});
const offerTo = (agent: TransferTarget): TransferTo => ({ kind: 'OFFER', agent, expiresAt: EXPIRES_AT });
const assignTo = (agent: TransferTarget): TransferTo => ({ kind: 'ASSIGN', agent });
const QUEUE: TransferTo = { kind: 'QUEUE' };

/** A ticket with agent-1 (ONLINE) in `status`, with the timestamps that status implies. */
function held(status: TicketStatus, overrides: Partial<TicketState> = {}): TicketState {
  const base = { status, assigneeId: AGENT_1, assigneeStatus: AgentStatus.ONLINE };
  switch (status) {
    case SOLVED:
      return frozenTicket({ ...base, solvedAt: SOLVED_AT, closesAt: SOLVED_CLOSES_AT, ...overrides });
    case CLOSED:
      return frozenTicket({ ...base, solvedAt: SOLVED_AT, closedAt: CLOSED_AT, ...overrides });
    default:
      return frozenTicket({ ...base, ...overrides });
  }
}
const waiting = (): TicketState => frozenTicket({ status: NEW, assigneeId: null, assigneeStatus: null });
const offered = (): TicketState =>
  frozenTicket({
    status: NEW,
    assigneeId: null,
    assigneeStatus: null,
    offeredToId: AGENT_1,
    offerExpiresAt: new Date(NOW.getTime() + 10_000),
  });

const transfer = (ticket: TicketState, to: TransferTo, actor: Actor) =>
  transition(ticket, { type: 'TRANSFER', to }, actor, NOW);

function expectOk(result: TransitionResult | TransitionRefusal): TransitionResult {
  if (!result.ok) throw new Error(`expected the transfer to succeed, got ${result.code}: ${result.reason}`);
  return result;
}

/** Refused as BAD_USER_INPUT on input.toAgentId, with a reason and nothing else. */
function expectBadTarget(result: TransitionResult | TransitionRefusal, reason: RegExp): void {
  expect(result).toStrictEqual({
    ok: false,
    code: 'BAD_USER_INPUT',
    reason: expect.stringMatching(reason),
    field: 'input.toAgentId',
  });
}

const transferred = (agentId: string | null, fromStatus: TicketStatus, toStatus: TicketStatus) => ({
  kind: TicketChangeKind.TRANSFERRED,
  agentId,
  fromStatus,
  toStatus,
});

describe('TRANSFER to a colleague as an offer (no auto-accept)', () => {
  describe.each([
    ['the assignee', assignee],
    ['an admin', admin],
  ])('by %s', (_who, actor) => {
    it.each(HELD)('a %s ticket becomes NEW, offered to the colleague, with nobody assigned', (status) => {
      const before = held(status, { assigneeStatus: AgentStatus.OFFLINE });
      expect(transfer(before, offerTo(free(AGENT_2)), actor)).toStrictEqual({
        ok: true,
        next: {
          ...before,
          status: NEW,
          assigneeId: null,
          assigneeStatus: null,
          offeredToId: AGENT_2,
          offerExpiresAt: EXPIRES_AT,
        },
        changes: [transferred(AGENT_2, status, NEW)],
        effects: [],
      });
    });
  });

  it("an admin's transfer of an offered ticket withdraws the offer in the same change", () => {
    const before = offered();
    expect(transfer(before, offerTo(free(AGENT_2)), admin)).toStrictEqual({
      ok: true,
      next: { ...before, offeredToId: AGENT_2, offerExpiresAt: EXPIRES_AT },
      changes: [transferred(AGENT_2, NEW, NEW)],
      effects: [],
    });
  });
});

describe('TRANSFER to a colleague as an assignment (auto-accept), like an admin’s ASSIGN', () => {
  describe.each([
    ['the assignee', assignee],
    ['an admin', admin],
  ])('by %s', (_who, actor) => {
    it.each(HELD)('a %s ticket keeps its status with the colleague', (status) => {
      const before = held(status, { assigneeStatus: AgentStatus.OFFLINE });
      expect(transfer(before, assignTo(free(AGENT_2)), actor)).toStrictEqual({
        ok: true,
        // The previous assignee's presence must not carry over to the new one.
        next: { ...before, assigneeId: AGENT_2, assigneeStatus: null },
        changes: [transferred(AGENT_2, status, status)],
        effects: [],
      });
    });
  });

  it.each([
    ['waiting', waiting()],
    ['offered to someone else', offered()],
  ])('by an admin, a NEW ticket %s becomes OPEN with the colleague', (_what, before) => {
    expect(transfer(before, assignTo(free(AGENT_2)), admin)).toStrictEqual({
      ok: true,
      next: { ...before, status: OPEN, assigneeId: AGENT_2, offeredToId: null, offerExpiresAt: null },
      changes: [transferred(AGENT_2, NEW, OPEN)],
      effects: [],
    });
  });
});

describe('TRANSFER back to the queue', () => {
  describe.each([
    ['the assignee', assignee],
    ['an admin', admin],
  ])('by %s', (_who, actor) => {
    it.each(HELD)('a %s ticket becomes NEW with nobody, and routing is asked', (status) => {
      const before = held(status, { reopenCount: 1 });
      expect(transfer(before, QUEUE, actor)).toStrictEqual({
        ok: true,
        next: { ...before, status: NEW, assigneeId: null, assigneeStatus: null },
        changes: [transferred(null, status, NEW)],
        effects: [{ type: 'ROUTE' }],
      });
    });
  });

  it("by an admin, an offered ticket's offer is withdrawn", () => {
    const before = offered();
    expect(transfer(before, QUEUE, admin)).toStrictEqual({
      ok: true,
      next: { ...before, offeredToId: null, offerExpiresAt: null },
      changes: [transferred(null, NEW, NEW)],
      effects: [{ type: 'ROUTE' }],
    });
  });

  it('a ticket already waiting is not transferred (nothing would change)', () => {
    expectRefused(transfer(waiting(), QUEUE, admin), 'ILLEGAL_TRANSITION');
  });
});

describe('who may transfer', () => {
  const targets: [string, TransferTo][] = [
    ['an offer', offerTo(free(AGENT_3))],
    ['an assignment', assignTo(free(AGENT_3))],
    ['the queue', QUEUE],
  ];
  describe.each([
    ['another agent', otherAgent],
    ['an agent without an id', { type: ActorType.AGENT }],
    ['an integration', integration],
    ['the system', system],
  ])('%s', (_who, actor) => {
    it.each(HELD.flatMap((status) => targets.map(([label, to]) => [status, label, to] as const)))(
      'on a %s ticket (%s) is FORBIDDEN',
      (status, _label, to) => {
        expectRefused(transfer(held(status), to, actor), 'FORBIDDEN');
      },
    );
  });

  it.each(targets)(
    'an agent on a NEW ticket it is only offered (%s) is FORBIDDEN: it declines instead',
    (_l, to) => {
      expectRefused(transfer(offered(), to, assignee), 'FORBIDDEN');
    },
  );
});

describe('from which status', () => {
  describe.each([
    ['the assignee', assignee],
    ['an admin', admin],
  ])('by %s', (_who, actor) => {
    it.each([
      [SOLVED, offerTo(free(AGENT_2))],
      [SOLVED, assignTo(free(AGENT_2))],
      [SOLVED, QUEUE],
      [CLOSED, offerTo(free(AGENT_2))],
      [CLOSED, QUEUE],
    ])('a %s ticket is ILLEGAL_TRANSITION (%o)', (status, to) => {
      expectRefused(transfer(held(status), to, actor), 'ILLEGAL_TRANSITION');
    });
  });
});

describe('to whom (BAD_USER_INPUT on input.toAgentId)', () => {
  it.each([
    ['an offer', offerTo],
    ['an assignment', assignTo],
  ])('not to the assignee itself (%s)', (_label, to) => {
    expectBadTarget(transfer(held(OPEN), to(free(AGENT_1)), assignee), /assignee/);
    expectBadTarget(transfer(held(PENDING), to(free(AGENT_1)), admin), /assignee/);
  });

  it('not to the agent the ticket is offered to already', () => {
    expectBadTarget(transfer(offered(), offerTo(free(AGENT_1)), admin), /offered/);
    expectBadTarget(transfer(offered(), assignTo(free(AGENT_1)), admin), /offered/);
  });

  describe.each([
    ['an offer', offerTo],
    ['an assignment', assignTo],
  ])('by an agent, as %s', (_label, to) => {
    it.each([
      [AgentStatus.AWAY, /AWAY/],
      [AgentStatus.OFFLINE, /OFFLINE/],
    ])('not to a colleague who is %s', (status, reason) => {
      expectBadTarget(transfer(held(OPEN), to(free(AGENT_2, { status })), assignee), reason);
    });

    it.each([
      [3, 3],
      [4, 3],
      [0, 0],
    ])('not to a colleague at capacity (load %i of %i)', (load, capacity) => {
      expectBadTarget(transfer(held(OPEN), to(free(AGENT_2, { load, capacity })), assignee), /capacity/);
    });

    it('to a colleague with exactly one free place', () => {
      expectOk(transfer(held(OPEN), to(free(AGENT_2, { load: 2, capacity: 3 })), assignee));
    });
  });

  it.each([
    ['AWAY', free(AGENT_2, { status: AgentStatus.AWAY })],
    ['OFFLINE', free(AGENT_2, { status: AgentStatus.OFFLINE })],
    ['at capacity', free(AGENT_2, { load: 5, capacity: 2 })],
    ['with no capacity at all', free(AGENT_2, { load: 0, capacity: 0 })],
  ])("an admin's choice stands: to a colleague %s", (_label, target) => {
    expectOk(transfer(held(OPEN), offerTo(target), admin));
    expectOk(transfer(held(OPEN), assignTo(target), admin));
  });
});

describe('what the log folds read back from the one TRANSFERRED change', () => {
  const cases: [string, TicketState, TransferTo, Actor, 'QUEUE' | 'OFFER' | 'ASSIGNMENT'][] = [
    ...HELD.flatMap(
      (status): [string, TicketState, TransferTo, Actor, 'QUEUE' | 'OFFER' | 'ASSIGNMENT'][] => [
        [`${status} offered`, held(status), offerTo(free(AGENT_2)), assignee, 'OFFER'],
        [`${status} assigned`, held(status), assignTo(free(AGENT_2)), assignee, 'ASSIGNMENT'],
        [`${status} queued`, held(status), QUEUE, assignee, 'QUEUE'],
      ],
    ),
    ['NEW waiting, offered', waiting(), offerTo(free(AGENT_2)), admin, 'OFFER'],
    ['NEW waiting, assigned', waiting(), assignTo(free(AGENT_2)), admin, 'ASSIGNMENT'],
    ['NEW offered, offered to another', offered(), offerTo(free(AGENT_2)), admin, 'OFFER'],
    ['NEW offered, assigned to another', offered(), assignTo(free(AGENT_2)), admin, 'ASSIGNMENT'],
    ['NEW offered, queued', offered(), QUEUE, admin, 'QUEUE'],
  ];

  it.each(cases)(
    '%s: assignee, offer and outcome as transition() left them',
    (_label, before, to, actor, as) => {
      const result = expectOk(transfer(before, to, actor));
      const [change] = result.changes;
      expect(result.changes).toHaveLength(1);
      expect(transferredAs(change!)).toBe(as);
      expect(assigneeAfter(change!, before.assigneeId)).toBe(result.next.assigneeId);
      expect(offeredToAfter(change!, before.offeredToId)).toBe(result.next.offeredToId);
      expect(assignedTo(change!)).toBe(as === 'ASSIGNMENT' ? AGENT_2 : null);
      // A transfer keeps the ticket's place in the queue, whatever it did.
      expect(keepsQueuePlace(result.changes)).toBe(true);
    },
  );

  it.each(cases)(
    '%s: the load it frees and the offer whose expiry is scheduled',
    (_label, before, to, actor) => {
      const result = expectOk(transfer(before, to, actor));
      const heldBefore =
        (before.status === OPEN && before.assigneeId !== null) || before.offeredToId !== null;
      expect(freesCapacity(before, result.next)).toBe(heldBefore);
      expect(newOffer(before, result.next)).toStrictEqual(
        to.kind === 'OFFER' ? { agentId: AGENT_2, expiresAt: EXPIRES_AT } : null,
      );
    },
  );

  it('other changes do not keep a queue place', () => {
    expect(
      keepsQueuePlace([{ kind: TicketChangeKind.ASSIGNED }, { kind: TicketChangeKind.STATUS_CHANGED }]),
    ).toBe(false);
  });
});

describe('refusals never carry a next state', () => {
  const targets: TransferTo[] = [
    QUEUE,
    offerTo(free(AGENT_1)),
    offerTo(free(AGENT_2)),
    offerTo(free(AGENT_2, { status: AgentStatus.AWAY })),
    assignTo(free(AGENT_2, { load: 3 })),
  ];
  const actors = [assignee, otherAgent, admin, integration, system, { type: ActorType.AGENT }];
  const states = [NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED].flatMap((status) => [
    held(status),
    frozenTicket({ status, assigneeId: null, assigneeStatus: null }),
  ]);

  it('across every state × target × actor', () => {
    const codes = new Set<string>();
    for (const state of [...states, offered()]) {
      for (const to of targets) {
        for (const actor of actors) {
          const result = transfer(state, to, actor);
          if (result.ok) {
            expect(Object.keys(result).sort()).toEqual(['changes', 'effects', 'next', 'ok']);
          } else {
            codes.add(result.code);
            const keys =
              result.code === 'BAD_USER_INPUT' ? ['code', 'field', 'ok', 'reason'] : ['code', 'ok', 'reason'];
            expect(Object.keys(result).sort()).toEqual(keys);
          }
        }
      }
    }
    expect([...codes].sort()).toEqual(['BAD_USER_INPUT', 'FORBIDDEN', 'ILLEGAL_TRANSITION']);
  });
});
