import { AgentStatus } from '../agent/agent.rules';
import { TicketPriority } from '../ticket/ticket.enums';
import {
  type AgentSnapshot,
  type Candidate,
  type QueuedTicket,
  type TicketSnapshot,
  PRIORITY_RANK,
  compareCandidates,
  compareQueued,
  pickAgent,
} from './routing-pick';
import type { SkillsTimeout } from './skills-timeout';

const { ONLINE, AWAY, OFFLINE } = AgentStatus;
const { URGENT, HIGH, NORMAL, LOW } = TicketPriority;

const T1 = new Date('2024-03-01T08:00:00.000Z');
const T2 = new Date('2024-03-01T09:00:00.000Z');
const T3 = new Date('2024-03-01T10:00:00.000Z');

/** An ONLINE agent with capacity 2, no load, no skills, never assigned; frozen so any mutation throws. */
function agent(id: string, overrides: Partial<Omit<AgentSnapshot, 'id'>> = {}): AgentSnapshot {
  return Object.freeze({
    id,
    status: ONLINE,
    capacity: 2,
    load: 0,
    skills: Object.freeze([]),
    lastAssignedAt: null,
    ...overrides,
  });
}

/** A ticket that requires no skill, waiting since T1, and nobody has refused. */
function ticket(overrides: Partial<TicketSnapshot> = {}): TicketSnapshot {
  return Object.freeze({
    id: 'ticket-1',
    requiredSkills: Object.freeze([]),
    optionalSkills: Object.freeze([]),
    waitingSince: T1,
    refusedBy: new Set<string>(),
    ...overrides,
  });
}

const chosen = (agentId: string, spareCapacity: number): Candidate => ({
  agentId,
  rank: 1,
  spareCapacity,
  reason: null,
});

const lower = (agentId: string, rank: number, spareCapacity: number): Candidate => ({
  agentId,
  rank,
  spareCapacity,
  reason: { code: 'RANKED_LOWER' },
});

const ids = (agents: readonly AgentSnapshot[]): string[] =>
  pickAgent(ticket(), agents).candidates.map((c) => c.agentId);

describe('pickAgent: eligibility', () => {
  describe('NOT_ONLINE', () => {
    it.each([AWAY, OFFLINE])('an %s agent is not eligible and the reason carries the status', (status) => {
      expect(pickAgent(ticket(), [agent('agent-a', { status })])).toStrictEqual({
        agentId: null,
        candidates: [
          { agentId: 'agent-a', rank: null, spareCapacity: 2, reason: { code: 'NOT_ONLINE', status } },
        ],
      });
    });

    it('an ONLINE agent with room and no requirements is chosen', () => {
      expect(pickAgent(ticket(), [agent('agent-a')])).toStrictEqual({
        agentId: 'agent-a',
        candidates: [chosen('agent-a', 2)],
      });
    });
  });

  describe('AT_CAPACITY', () => {
    it.each([
      { capacity: 2, load: 2, spare: 0 },
      { capacity: 1, load: 1, spare: 0 },
      { capacity: 100, load: 100, spare: 0 },
      { capacity: 2, load: 3, spare: -1 },
      { capacity: 1, load: 5, spare: -4 },
      { capacity: 0, load: 0, spare: 0 },
      { capacity: 0, load: 1, spare: -1 },
    ])('load $load with capacity $capacity is not eligible', ({ capacity, load, spare }) => {
      expect(pickAgent(ticket(), [agent('agent-a', { capacity, load })])).toStrictEqual({
        agentId: null,
        candidates: [
          {
            agentId: 'agent-a',
            rank: null,
            spareCapacity: spare,
            reason: { code: 'AT_CAPACITY', load, capacity },
          },
        ],
      });
    });

    it.each([
      { capacity: 1, load: 0, spare: 1 },
      { capacity: 2, load: 1, spare: 1 },
      { capacity: 100, load: 99, spare: 1 },
      { capacity: 100, load: 0, spare: 100 },
    ])('load $load with capacity $capacity is eligible', ({ capacity, load, spare }) => {
      expect(pickAgent(ticket(), [agent('agent-a', { capacity, load })])).toStrictEqual({
        agentId: 'agent-a',
        candidates: [chosen('agent-a', spare)],
      });
    });

    it.each([
      ['with no requirements', ticket(), agent('agent-a', { capacity: 0 })],
      [
        'with every required skill',
        ticket({ requiredSkills: ['korean'] }),
        agent('agent-a', { capacity: 0, skills: ['korean'] }),
      ],
      [
        'never assigned and alone',
        ticket(),
        agent('agent-a', { capacity: 0, lastAssignedAt: null, skills: ['billing'] }),
      ],
    ])('capacity 0 is never routed to (%s)', (_label, t, a) => {
      expect(pickAgent(t, [a])).toStrictEqual({
        agentId: null,
        candidates: [
          {
            agentId: 'agent-a',
            rank: null,
            spareCapacity: 0,
            reason: { code: 'AT_CAPACITY', load: 0, capacity: 0 },
          },
        ],
      });
    });
  });

  describe('MISSING_SKILL', () => {
    it.each([
      { required: ['korean'], has: [], missing: ['korean'] },
      { required: ['korean', 'billing'], has: ['billing'], missing: ['korean'] },
      { required: ['korean', 'billing', 'vip'], has: ['billing'], missing: ['korean', 'vip'] },
      { required: ['korean', 'billing'], has: ['japanese'], missing: ['korean', 'billing'] },
      // Reported lowercase, as skills are stored.
      { required: ['Korean'], has: ['japanese'], missing: ['korean'] },
      { required: ['BILLING', 'Vip'], has: ['billing'], missing: ['vip'] },
    ])('requires $required, agent has $has → missing exactly $missing', ({ required, has, missing }) => {
      expect(
        pickAgent(ticket({ requiredSkills: required }), [agent('agent-a', { skills: has })]),
      ).toStrictEqual({
        agentId: null,
        candidates: [
          {
            agentId: 'agent-a',
            rank: null,
            spareCapacity: 2,
            reason: { code: 'MISSING_SKILL', skills: missing },
          },
        ],
      });
    });

    it.each([
      { required: ['Korean'], has: ['korean'] },
      { required: ['korean'], has: ['Korean'] },
      { required: ['KOREAN', 'Billing'], has: ['billing', 'korean'] },
      { required: ['korean'], has: ['korean', 'billing', 'vip'] },
      { required: [], has: ['korean'] },
      { required: [], has: [] },
    ])('requires $required, agent has $has → eligible (case-insensitive)', ({ required, has }) => {
      expect(
        pickAgent(ticket({ requiredSkills: required }), [agent('agent-a', { skills: has })]),
      ).toStrictEqual({
        agentId: 'agent-a',
        candidates: [chosen('agent-a', 2)],
      });
    });
  });

  describe('DECLINED_BEFORE', () => {
    it.each([
      ['declined or missed it', ['agent-a']],
      ['is one of several who refused it', ['agent-b', 'agent-a', 'agent-c']],
    ])('an agent who %s is not eligible', (_label, refused) => {
      expect(pickAgent(ticket({ refusedBy: new Set(refused) }), [agent('agent-a')])).toStrictEqual({
        agentId: null,
        candidates: [
          { agentId: 'agent-a', rank: null, spareCapacity: 2, reason: { code: 'DECLINED_BEFORE' } },
        ],
      });
    });

    it('only the agents in refusedBy are barred', () => {
      const result = pickAgent(ticket({ refusedBy: new Set(['agent-a']) }), [
        agent('agent-a', { capacity: 5 }),
        agent('agent-b'),
      ]);
      expect(result).toStrictEqual({
        agentId: 'agent-b',
        candidates: [
          chosen('agent-b', 2),
          { agentId: 'agent-a', rank: null, spareCapacity: 5, reason: { code: 'DECLINED_BEFORE' } },
        ],
      });
    });
  });

  describe('TRANSFERRED_AWAY (docs/domain.md "Transfer")', () => {
    it.each<[string, Partial<TicketSnapshot>, Candidate['reason']]>([
      ['transferred it away', { transferredBy: new Set(['agent-a']) }, { code: 'TRANSFERRED_AWAY' }],
      [
        'transferred it away after declining an offer of it (the decline is named first)',
        { transferredBy: new Set(['agent-a']), refusedBy: new Set(['agent-a']) },
        { code: 'DECLINED_BEFORE' },
      ],
    ])('an agent who %s is not eligible; the others are', (_label, refusals, reason) => {
      expect(
        pickAgent(ticket(refusals), [agent('agent-a', { capacity: 5 }), agent('agent-b')]),
      ).toStrictEqual({
        agentId: 'agent-b',
        candidates: [chosen('agent-b', 2), { agentId: 'agent-a', rank: null, spareCapacity: 5, reason }],
      });
    });

    it('an agent AWAY is NOT_ONLINE first, as for a refusal', () => {
      expect(
        pickAgent(ticket({ transferredBy: new Set(['agent-a']) }), [agent('agent-a', { status: AWAY })])
          .candidates[0]!.reason,
      ).toStrictEqual({ code: 'NOT_ONLINE', status: AWAY });
    });
  });

  describe('rule precedence: status, then capacity, then skills, then refusal', () => {
    const needsKorean = (refused: boolean): TicketSnapshot =>
      ticket({ requiredSkills: ['korean'], refusedBy: new Set(refused ? ['agent-a'] : []) });

    it.each([
      {
        label: 'OFFLINE, at capacity, missing a skill, refused',
        t: needsKorean(true),
        a: agent('agent-a', { status: OFFLINE, capacity: 1, load: 1 }),
        reason: { code: 'NOT_ONLINE', status: OFFLINE },
        spare: 0,
      },
      {
        label: 'AWAY with capacity 0',
        t: needsKorean(false),
        a: agent('agent-a', { status: AWAY, capacity: 0, skills: ['korean'] }),
        reason: { code: 'NOT_ONLINE', status: AWAY },
        spare: 0,
      },
      {
        label: 'AWAY, missing a skill',
        t: needsKorean(false),
        a: agent('agent-a', { status: AWAY }),
        reason: { code: 'NOT_ONLINE', status: AWAY },
        spare: 2,
      },
      {
        label: 'OFFLINE, refused',
        t: needsKorean(true),
        a: agent('agent-a', { status: OFFLINE, skills: ['korean'] }),
        reason: { code: 'NOT_ONLINE', status: OFFLINE },
        spare: 2,
      },
      {
        label: 'ONLINE, over capacity, missing a skill, refused',
        t: needsKorean(true),
        a: agent('agent-a', { capacity: 2, load: 3 }),
        reason: { code: 'AT_CAPACITY', load: 3, capacity: 2 },
        spare: -1,
      },
      {
        label: 'ONLINE, at capacity, refused',
        t: needsKorean(true),
        a: agent('agent-a', { capacity: 2, load: 2, skills: ['korean'] }),
        reason: { code: 'AT_CAPACITY', load: 2, capacity: 2 },
        spare: 0,
      },
      {
        label: 'ONLINE, room, missing a skill, refused',
        t: needsKorean(true),
        a: agent('agent-a'),
        reason: { code: 'MISSING_SKILL', skills: ['korean'] },
        spare: 2,
      },
      {
        label: 'ONLINE, room, skilled, refused',
        t: needsKorean(true),
        a: agent('agent-a', { skills: ['korean'] }),
        reason: { code: 'DECLINED_BEFORE' },
        spare: 2,
      },
    ])('$label → $reason.code', ({ t, a, reason, spare }) => {
      expect(pickAgent(t, [a])).toStrictEqual({
        agentId: null,
        candidates: [{ agentId: 'agent-a', rank: null, spareCapacity: spare, reason }],
      });
    });
  });
});

describe('pickAgent: ranking', () => {
  it.each([
    {
      label: 'most spare capacity wins, not the largest capacity',
      agents: [
        agent('agent-a', { capacity: 5, load: 4 }),
        agent('agent-b', { capacity: 3, load: 0 }),
        agent('agent-c', { capacity: 2, load: 0 }),
      ],
      order: ['agent-b', 'agent-c', 'agent-a'],
    },
    {
      label: 'spare capacity beats least recently assigned',
      agents: [
        agent('agent-a', { capacity: 2, load: 1, lastAssignedAt: null }),
        agent('agent-b', { capacity: 3, load: 0, lastAssignedAt: T3 }),
      ],
      order: ['agent-b', 'agent-a'],
    },
    {
      label: 'spare capacity beats the lowest id',
      agents: [agent('agent-a', { capacity: 1 }), agent('agent-b', { capacity: 2 })],
      order: ['agent-b', 'agent-a'],
    },
    {
      label: 'equal spare: least recently assigned first',
      agents: [
        agent('agent-a', { lastAssignedAt: T3 }),
        agent('agent-b', { lastAssignedAt: T1 }),
        agent('agent-c', { lastAssignedAt: T2 }),
      ],
      order: ['agent-b', 'agent-c', 'agent-a'],
    },
    {
      label: 'equal spare: never assigned counts as longest ago',
      agents: [agent('agent-a', { lastAssignedAt: T1 }), agent('agent-b', { lastAssignedAt: null })],
      order: ['agent-b', 'agent-a'],
    },
    {
      label: 'equal spare from different capacities and loads: least recently assigned',
      agents: [
        agent('agent-a', { capacity: 4, load: 2, lastAssignedAt: T2 }),
        agent('agent-b', { capacity: 2, load: 0, lastAssignedAt: T1 }),
      ],
      order: ['agent-b', 'agent-a'],
    },
    {
      label: 'least recently assigned beats the lowest id',
      agents: [agent('agent-a', { lastAssignedAt: T2 }), agent('agent-z', { lastAssignedAt: T1 })],
      order: ['agent-z', 'agent-a'],
    },
    {
      label: 'equal spare, both never assigned: lowest id',
      agents: [agent('agent-c'), agent('agent-a'), agent('agent-b')],
      order: ['agent-a', 'agent-b', 'agent-c'],
    },
    {
      label: 'equal spare, same lastAssignedAt: lowest id',
      agents: [agent('agent-b', { lastAssignedAt: T2 }), agent('agent-a', { lastAssignedAt: new Date(T2) })],
      order: ['agent-a', 'agent-b'],
    },
  ])('$label', ({ agents, order }) => {
    const result = pickAgent(ticket(), agents);
    expect(result.agentId).toBe(order[0]);
    expect(result.candidates.map((c) => c.agentId)).toStrictEqual(order);
    expect(result.candidates.map((c) => c.rank)).toStrictEqual(order.map((_id, i) => i + 1));
  });

  // Spare 2/2/2/3: agent-d first on spare, then agent-c (T1), then agent-a and agent-b (T2) by id.
  const A = agent('agent-a', { capacity: 3, load: 1, lastAssignedAt: T2 });
  const B = agent('agent-b', { capacity: 3, load: 1, lastAssignedAt: T2 });
  const C = agent('agent-c', { capacity: 2, load: 0, lastAssignedAt: T1 });
  const D = agent('agent-d', { capacity: 5, load: 2, lastAssignedAt: T3 });
  it.each([[[A, B, C, D]], [[D, C, B, A]], [[C, A, D, B]], [[B, D, A, C]]])(
    'the order does not depend on the input order (case %#)',
    (input) => {
      expect(ids(input)).toStrictEqual(['agent-d', 'agent-c', 'agent-a', 'agent-b']);
    },
  );
});

describe('pickAgent: the candidates list', () => {
  it('with no agents, nobody is picked', () => {
    expect(pickAgent(ticket({ requiredSkills: ['korean'] }), [])).toStrictEqual({
      agentId: null,
      candidates: [],
    });
  });

  it('with no eligible agent, nobody is picked and everyone is listed by id', () => {
    const result = pickAgent(ticket({ requiredSkills: ['korean'], refusedBy: new Set(['agent-b']) }), [
      agent('agent-d', { status: AWAY, capacity: 3, load: 1 }),
      agent('agent-b', { skills: ['korean'] }),
      agent('agent-c', { capacity: 0 }),
      agent('agent-a', { skills: ['japanese'], capacity: 4, load: 1 }),
    ]);
    expect(result).toStrictEqual({
      agentId: null,
      candidates: [
        {
          agentId: 'agent-a',
          rank: null,
          spareCapacity: 3,
          reason: { code: 'MISSING_SKILL', skills: ['korean'] },
        },
        { agentId: 'agent-b', rank: null, spareCapacity: 2, reason: { code: 'DECLINED_BEFORE' } },
        {
          agentId: 'agent-c',
          rank: null,
          spareCapacity: 0,
          reason: { code: 'AT_CAPACITY', load: 0, capacity: 0 },
        },
        { agentId: 'agent-d', rank: null, spareCapacity: 2, reason: { code: 'NOT_ONLINE', status: AWAY } },
      ],
    });
  });

  it('lists the eligible agents by rank, then the ineligible ones by id', () => {
    const t = ticket({ requiredSkills: ['Korean'], refusedBy: new Set(['agent-e']) });
    const result = pickAgent(t, [
      agent('agent-f', { status: OFFLINE, capacity: 10, skills: ['korean'] }),
      agent('agent-c', { capacity: 4, load: 1, skills: ['korean'], lastAssignedAt: T1 }),
      agent('agent-e', { capacity: 9, skills: ['korean'] }),
      agent('agent-a', { capacity: 3, load: 2, skills: ['korean', 'billing'] }),
      agent('agent-g', { capacity: 2, load: 2, skills: ['korean'] }),
      agent('agent-b', { capacity: 5, load: 2, skills: ['KOREAN'], lastAssignedAt: T2 }),
      agent('agent-d', { capacity: 8, load: 0, skills: ['billing'] }),
      agent('agent-h', { capacity: 6, load: 3, skills: ['korean'], lastAssignedAt: T2 }),
    ]);
    expect(result).toStrictEqual({
      agentId: 'agent-c',
      candidates: [
        // Spare 3 each: agent-c (T1) before agent-b (T2) before agent-h (T2, higher id).
        chosen('agent-c', 3),
        lower('agent-b', 2, 3),
        lower('agent-h', 3, 3),
        lower('agent-a', 4, 1),
        {
          agentId: 'agent-d',
          rank: null,
          spareCapacity: 8,
          reason: { code: 'MISSING_SKILL', skills: ['korean'] },
        },
        { agentId: 'agent-e', rank: null, spareCapacity: 9, reason: { code: 'DECLINED_BEFORE' } },
        {
          agentId: 'agent-f',
          rank: null,
          spareCapacity: 10,
          reason: { code: 'NOT_ONLINE', status: OFFLINE },
        },
        {
          agentId: 'agent-g',
          rank: null,
          spareCapacity: 0,
          reason: { code: 'AT_CAPACITY', load: 2, capacity: 2 },
        },
      ],
    });
  });

  it.each([
    { capacity: 2, load: 0, spare: 2 },
    { capacity: 5, load: 2, spare: 3 },
    { capacity: 100, load: 37, spare: 63 },
    { capacity: 7, load: 6, spare: 1 },
  ])('spareCapacity of an eligible agent: $capacity − $load = $spare', ({ capacity, load, spare }) => {
    expect(pickAgent(ticket(), [agent('agent-a', { capacity, load })]).candidates).toStrictEqual([
      chosen('agent-a', spare),
    ]);
  });

  it.each([
    { status: OFFLINE, capacity: 4, load: 1, spare: 3, reason: { code: 'NOT_ONLINE', status: OFFLINE } },
    { status: AWAY, capacity: 10, load: 0, spare: 10, reason: { code: 'NOT_ONLINE', status: AWAY } },
    {
      status: ONLINE,
      capacity: 2,
      load: 5,
      spare: -3,
      reason: { code: 'AT_CAPACITY', load: 5, capacity: 2 },
    },
  ])(
    'spareCapacity of an ineligible agent ($status, $capacity − $load) = $spare',
    ({ status, capacity, load, spare, reason }) => {
      expect(pickAgent(ticket(), [agent('agent-a', { status, capacity, load })])).toStrictEqual({
        agentId: null,
        candidates: [{ agentId: 'agent-a', rank: null, spareCapacity: spare, reason }],
      });
    },
  );
});

describe('compareCandidates', () => {
  it.each([
    ['more spare capacity', agent('agent-z', { capacity: 3 }), agent('agent-a', { capacity: 2 })],
    [
      'equal spare, assigned longer ago',
      agent('agent-z', { lastAssignedAt: T1 }),
      agent('agent-a', { lastAssignedAt: T2 }),
    ],
    ['equal spare, never assigned', agent('agent-z'), agent('agent-a', { lastAssignedAt: T1 })],
    [
      'equal spare and time, lower id',
      agent('agent-a', { lastAssignedAt: T1 }),
      agent('agent-b', { lastAssignedAt: T1 }),
    ],
    ['equal spare, both never assigned, lower id', agent('agent-a'), agent('agent-b')],
  ])('%s sorts first', (_label, first, second) => {
    expect(compareCandidates(first, second)).toBeLessThan(0);
    expect(compareCandidates(second, first)).toBeGreaterThan(0);
  });

  it('an agent compares equal to itself', () => {
    const a = agent('agent-a', { lastAssignedAt: T1 });
    expect(compareCandidates(a, a)).toBe(0);
  });
});

describe('compareQueued', () => {
  const queued = (id: string, priority: TicketPriority, waitingSince: Date): QueuedTicket =>
    Object.freeze({ id, priority, waitingSince });

  it('PRIORITY_RANK orders URGENT, HIGH, NORMAL, LOW', () => {
    expect(PRIORITY_RANK).toStrictEqual({ [URGENT]: 0, [HIGH]: 1, [NORMAL]: 2, [LOW]: 3 });
  });

  it.each([
    [URGENT, HIGH],
    [URGENT, NORMAL],
    [URGENT, LOW],
    [HIGH, NORMAL],
    [HIGH, LOW],
    [NORMAL, LOW],
  ])('%s goes before %s even when it started waiting later', (higher, lowerPriority) => {
    const a = queued('ticket-z', higher, T3);
    const b = queued('ticket-a', lowerPriority, T1);
    expect(compareQueued(a, b)).toBeLessThan(0);
    expect(compareQueued(b, a)).toBeGreaterThan(0);
  });

  it.each([URGENT, HIGH, NORMAL, LOW])(
    'same priority %s: the earlier waitingSince goes first',
    (priority) => {
      const a = queued('ticket-z', priority, T1);
      const b = queued('ticket-a', priority, T2);
      expect(compareQueued(a, b)).toBeLessThan(0);
      expect(compareQueued(b, a)).toBeGreaterThan(0);
    },
  );

  it.each([URGENT, LOW])('same priority %s and waitingSince: the lower id goes first', (priority) => {
    const a = queued('ticket-a', priority, T2);
    const b = queued('ticket-b', priority, new Date(T2));
    expect(compareQueued(a, b)).toBeLessThan(0);
    expect(compareQueued(b, a)).toBeGreaterThan(0);
    expect(compareQueued(a, queued('ticket-a', priority, new Date(T2)))).toBe(0);
  });

  it('sorts a mixed queue', () => {
    const tickets = [
      queued('t-low-early', LOW, T1),
      queued('t-normal-late', NORMAL, T3),
      queued('t-urgent-late', URGENT, T3),
      queued('t-high-mid', HIGH, T2),
      queued('t-normal-early', NORMAL, T1),
      queued('t-urgent-b', URGENT, T2),
      queued('t-urgent-a', URGENT, T2),
      queued('t-high-early', HIGH, T1),
    ];
    expect([...tickets].sort(compareQueued).map((t) => t.id)).toStrictEqual([
      't-urgent-a',
      't-urgent-b',
      't-urgent-late',
      't-high-early',
      't-high-mid',
      't-normal-early',
      't-normal-late',
      't-low-early',
    ]);
  });
});

describe('pickAgent: optional skills and the skills timeout (docs/domain.md "Skills timeout")', () => {
  /** `seconds` after the ticket started waiting (T1). */
  const waited = (seconds: number): Date => new Date(T1.getTime() + seconds * 1000);
  const LAPSES_AT = waited(120);
  const timeout = (seconds: number | null, now: Date = waited(0)): SkillsTimeout =>
    seconds === null ? { seconds } : { seconds, now };

  const missingOptional = (skills: string[], lapsesAt: Date | null): Candidate['reason'] => ({
    code: 'MISSING_OPTIONAL_SKILL',
    skills,
    lapsesAt,
  });
  const lapsed = (skills: string[], lapsedAt: Date): Candidate['reason'] => ({
    code: 'OPTIONAL_SKILLS_LAPSED',
    skills,
    lapsedAt,
  });

  interface Case {
    name: string;
    ticket: Partial<TicketSnapshot>;
    agent: Partial<Omit<AgentSnapshot, 'id'>>;
    timeout: SkillsTimeout | undefined;
    picked: boolean;
    reason: Candidate['reason'];
  }

  const spanish = { optionalSkills: ['spanish'] };
  const cases: Case[] = [
    {
      name: 'without a timeout given, optional skills count like required ones',
      ticket: spanish,
      agent: {},
      timeout: undefined,
      picked: false,
      reason: missingOptional(['spanish'], null),
    },
    {
      name: 'timeout null: they never lapse, however long the wait',
      ticket: spanish,
      agent: {},
      timeout: timeout(null),
      picked: false,
      reason: missingOptional(['spanish'], null),
    },
    {
      name: 'before the timeout: an agent without them is not eligible (and hears when they lapse)',
      ticket: spanish,
      agent: {},
      timeout: timeout(120, waited(119)),
      picked: false,
      reason: missingOptional(['spanish'], LAPSES_AT),
    },
    {
      name: 'a millisecond before the timeout: they still count',
      ticket: spanish,
      agent: {},
      timeout: timeout(120, new Date(LAPSES_AT.getTime() - 1)),
      picked: false,
      reason: missingOptional(['spanish'], LAPSES_AT),
    },
    {
      name: 'exactly at the timeout: lapsed, the agent without them is chosen and told why',
      ticket: spanish,
      agent: {},
      timeout: timeout(120, LAPSES_AT),
      picked: true,
      reason: lapsed(['spanish'], LAPSES_AT),
    },
    {
      name: 'long after the timeout: lapsed since the timeout',
      ticket: spanish,
      agent: {},
      timeout: timeout(120, waited(86_400)),
      picked: true,
      reason: lapsed(['spanish'], LAPSES_AT),
    },
    {
      name: 'timeout 0: optional skills never hold a ticket back',
      ticket: spanish,
      agent: {},
      timeout: timeout(0, waited(0)),
      picked: true,
      reason: lapsed(['spanish'], waited(0)),
    },
    {
      name: 'an agent with every optional skill is chosen before the timeout (case-insensitively)',
      ticket: { optionalSkills: ['Spanish', 'vip'] },
      agent: { skills: ['VIP', 'spanish'] },
      timeout: timeout(120, waited(1)),
      picked: true,
      reason: null,
    },
    {
      name: 'after the lapse, an agent with every optional skill is chosen with no lapse to name',
      ticket: spanish,
      agent: { skills: ['spanish'] },
      timeout: timeout(120, waited(500)),
      picked: true,
      reason: null,
    },
    {
      name: 'only the optional skills the agent lacks are named',
      ticket: { optionalSkills: ['spanish', 'vip', 'tier-2'] },
      agent: { skills: ['vip'] },
      timeout: timeout(120, waited(5)),
      picked: false,
      reason: missingOptional(['spanish', 'tier-2'], LAPSES_AT),
    },
    {
      name: 'required skills always count, after the lapse too',
      ticket: { requiredSkills: ['billing'], optionalSkills: ['spanish'] },
      agent: {},
      timeout: timeout(120, waited(500)),
      picked: false,
      reason: { code: 'MISSING_SKILL', skills: ['billing'] },
    },
    {
      name: 'a missing required skill is named before missing optional ones',
      ticket: { requiredSkills: ['billing'], optionalSkills: ['spanish'] },
      agent: {},
      timeout: timeout(120, waited(5)),
      picked: false,
      reason: { code: 'MISSING_SKILL', skills: ['billing'] },
    },
    {
      name: 'required present, optional missing before the lapse',
      ticket: { requiredSkills: ['billing'], optionalSkills: ['spanish'] },
      agent: { skills: ['billing'] },
      timeout: timeout(120, waited(5)),
      picked: false,
      reason: missingOptional(['spanish'], LAPSES_AT),
    },
    {
      name: 'required present, optional lapsed: chosen',
      ticket: { requiredSkills: ['billing'], optionalSkills: ['spanish'] },
      agent: { skills: ['billing'] },
      timeout: timeout(120, LAPSES_AT),
      picked: true,
      reason: lapsed(['spanish'], LAPSES_AT),
    },
    {
      name: 'missing optional skills are named before a refusal',
      ticket: { optionalSkills: ['spanish'], refusedBy: new Set(['agent-a']) },
      agent: {},
      timeout: timeout(120, waited(5)),
      picked: false,
      reason: missingOptional(['spanish'], LAPSES_AT),
    },
    {
      name: 'after the lapse a refusal still bars the agent',
      ticket: { optionalSkills: ['spanish'], refusedBy: new Set(['agent-a']) },
      agent: {},
      timeout: timeout(120, LAPSES_AT),
      picked: false,
      reason: { code: 'DECLINED_BEFORE' },
    },
    {
      name: 'status and capacity come first, lapse or not',
      ticket: spanish,
      agent: { status: AWAY },
      timeout: timeout(120, waited(5)),
      picked: false,
      reason: { code: 'NOT_ONLINE', status: AWAY },
    },
    {
      name: 'the lapse runs from waitingSince, not from creation',
      ticket: { optionalSkills: ['spanish'], waitingSince: waited(100) },
      agent: {},
      timeout: timeout(120, LAPSES_AT),
      picked: false,
      reason: missingOptional(['spanish'], waited(220)),
    },
  ];

  it.each(cases)('$name', ({ ticket: over, agent: a, timeout: t, picked, reason }) => {
    const result = pickAgent(ticket(over), [agent('agent-a', a)], t);
    expect(result).toStrictEqual({
      agentId: picked ? 'agent-a' : null,
      candidates: [{ agentId: 'agent-a', rank: picked ? 1 : null, spareCapacity: 2, reason }],
    });
  });

  it('before the lapse only agents with the optional skills are eligible', () => {
    const result = pickAgent(
      ticket(spanish),
      [agent('agent-a', { capacity: 5 }), agent('agent-b', { skills: ['spanish'] })],
      timeout(120, waited(60)),
    );
    expect(result).toStrictEqual({
      agentId: 'agent-b',
      candidates: [
        chosen('agent-b', 2),
        { agentId: 'agent-a', rank: null, spareCapacity: 5, reason: missingOptional(['spanish'], LAPSES_AT) },
      ],
    });
  });

  it('after the lapse optional skills give no preference: spare capacity ranks, and the lapse is named', () => {
    const result = pickAgent(
      ticket(spanish),
      [agent('agent-a', { capacity: 5 }), agent('agent-b', { skills: ['spanish'] }), agent('agent-c')],
      timeout(120, LAPSES_AT),
    );
    expect(result).toStrictEqual({
      agentId: 'agent-a',
      candidates: [
        { agentId: 'agent-a', rank: 1, spareCapacity: 5, reason: lapsed(['spanish'], LAPSES_AT) },
        lower('agent-b', 2, 2),
        { agentId: 'agent-c', rank: 3, spareCapacity: 2, reason: lapsed(['spanish'], LAPSES_AT) },
      ],
    });
  });
});
