import { AgentStatus } from '../agent/agent.rules';
import { TicketPriority } from '../ticket/ticket.enums';
import { type BatchTicket, hasSpareCapacity, pickBatch } from './routing-batch';
import type { AgentSnapshot } from './routing-pick';

const { ONLINE, AWAY } = AgentStatus;
const { URGENT, NORMAL, LOW } = TicketPriority;
const T0 = new Date('2026-01-01T08:00:00.000Z');
const T1 = new Date('2026-01-01T09:00:00.000Z');
const NOW = new Date('2026-01-01T10:00:00.000Z');

function agent(id: string, over: Partial<AgentSnapshot> = {}): AgentSnapshot {
  return Object.freeze({
    id,
    status: ONLINE,
    capacity: 1,
    load: 0,
    skills: [],
    lastAssignedAt: null,
    ...over,
  });
}

function ticket(id: string, over: Partial<BatchTicket> = {}): BatchTicket {
  return Object.freeze({
    id,
    priority: NORMAL,
    waitingSince: T0,
    requiredSkills: [],
    optionalSkills: [],
    refusedBy: new Set<string>(),
    ...over,
  });
}

interface Case {
  name: string;
  tickets: BatchTicket[];
  agents: AgentSnapshot[];
  autoAccept?: boolean;
  /** docs/domain.md "Skills timeout" (null when not given). */
  skillsTimeoutSeconds?: number | null;
  picks: [string, string][];
  loads?: Record<string, number>;
  /** When given: the batch's next optional-skills lapse. */
  nextLapse?: Date | null;
}

const cases: Case[] = [
  { name: 'nothing waiting', tickets: [], agents: [agent('a')], picks: [], loads: { a: 0 } },
  { name: 'no agents', tickets: [ticket('t1')], agents: [], picks: [] },
  {
    name: 'one ticket, one agent',
    tickets: [ticket('t1')],
    agents: [agent('a')],
    picks: [['t1', 'a']],
    loads: { a: 1 },
  },
  {
    name: 'the batch raises loads as it goes: the second ticket goes to the agent with room',
    tickets: [ticket('t1'), ticket('t2', { waitingSince: T1 })],
    agents: [agent('a', { capacity: 2 }), agent('b', { capacity: 2, load: 1 })],
    picks: [
      ['t1', 'a'],
      ['t2', 'a'],
    ],
    loads: { a: 2, b: 1 },
  },
  {
    name: 'ties on spare capacity go to whoever was assigned longest ago; the batch keeps the order it was given otherwise',
    tickets: [ticket('t1'), ticket('t2', { waitingSince: T1 })],
    agents: [agent('a', { lastAssignedAt: T1 }), agent('b', { lastAssignedAt: T0 })],
    picks: [
      ['t1', 'b'],
      ['t2', 'a'],
    ],
  },
  {
    name: 'queue order, not input order: URGENT first, then the longest waiting',
    tickets: [
      ticket('t-low', { priority: LOW, waitingSince: T0 }),
      ticket('t-normal-late', { waitingSince: T1 }),
      ticket('t-normal-early', { waitingSince: T0 }),
      ticket('t-urgent', { priority: URGENT, waitingSince: T1 }),
    ],
    agents: [agent('a'), agent('b')],
    picks: [
      ['t-urgent', 'a'],
      ['t-normal-early', 'b'],
    ],
    loads: { a: 1, b: 1 },
  },
  {
    name: 'a ticket nobody can take is passed over, later ones are still placed',
    tickets: [ticket('t1', { requiredSkills: ['korean'] }), ticket('t2', { waitingSince: T1 })],
    agents: [agent('a', { skills: ['english'] })],
    picks: [['t2', 'a']],
  },
  {
    name: 'an agent who refused a ticket is not picked for it again',
    tickets: [ticket('t1', { refusedBy: new Set(['a']) })],
    agents: [agent('a'), agent('b', { lastAssignedAt: T1 })],
    picks: [['t1', 'b']],
  },
  {
    name: 'agents not ONLINE and agents at capacity get nothing',
    tickets: [ticket('t1'), ticket('t2', { waitingSince: T1 })],
    agents: [agent('away', { status: AWAY }), agent('full', { capacity: 2, load: 2 })],
    picks: [],
    loads: { away: 0, full: 2 },
  },
  // docs/domain.md "Skills timeout". NOW is 2 h after T0 and 1 h after T1.
  {
    name: 'optional skills nobody has hold a ticket until they lapse; the batch says when',
    tickets: [ticket('t1', { optionalSkills: ['spanish'], waitingSince: T1 })],
    agents: [agent('a')],
    skillsTimeoutSeconds: 7200,
    picks: [],
    nextLapse: new Date(T1.getTime() + 7_200_000),
  },
  {
    name: 'with no timeout they never lapse, and no lapse is due',
    tickets: [ticket('t1', { optionalSkills: ['spanish'] })],
    agents: [agent('a')],
    skillsTimeoutSeconds: null,
    picks: [],
    nextLapse: null,
  },
  {
    name: 'once waited out (exactly the timeout) the ticket is placed with an agent without them',
    tickets: [ticket('t1', { optionalSkills: ['spanish'], waitingSince: T1 })],
    agents: [agent('a')],
    skillsTimeoutSeconds: 3600,
    picks: [['t1', 'a']],
    nextLapse: null,
  },
  {
    name: 'a held ticket does not block the queue: the one behind it is placed',
    tickets: [
      ticket('t1', { optionalSkills: ['spanish'], waitingSince: T0 }),
      ticket('t2', { waitingSince: T1 }),
    ],
    agents: [agent('a')],
    skillsTimeoutSeconds: 10_800,
    picks: [['t2', 'a']],
    nextLapse: new Date(T0.getTime() + 10_800_000),
  },
  {
    name: 'before the lapse an agent with the optional skill is picked over one with more room',
    tickets: [ticket('t1', { optionalSkills: ['spanish'] })],
    agents: [agent('a', { capacity: 5 }), agent('b', { skills: ['spanish'] })],
    skillsTimeoutSeconds: 86_400,
    picks: [['t1', 'b']],
    nextLapse: null,
  },
  {
    name: 'the next lapse is the earliest among the tickets left waiting; a placed (lapsed) one is not',
    tickets: [
      ticket('lapsed', { optionalSkills: ['x'], waitingSince: T0, priority: URGENT }),
      ticket('late', { optionalSkills: ['y'], waitingSince: T1 }),
      ticket('early', { optionalSkills: ['z'], waitingSince: new Date(T1.getTime() - 60_000) }),
    ],
    agents: [agent('a', { capacity: 3 })],
    skillsTimeoutSeconds: 5400,
    picks: [['lapsed', 'a']],
    nextLapse: new Date(T1.getTime() - 60_000 + 5_400_000),
  },
  {
    name: 'tickets not looked at (no room left) are not in the next lapse',
    tickets: [ticket('t1', { optionalSkills: ['x'], waitingSince: T1 }), ticket('t2', { waitingSince: T0 })],
    agents: [agent('a')],
    skillsTimeoutSeconds: 86_400,
    picks: [['t2', 'a']],
    nextLapse: null,
  },
];

describe('pickBatch', () => {
  it.each(cases)(
    '$name',
    ({ tickets, agents, autoAccept = false, skillsTimeoutSeconds = null, picks, loads, nextLapse }) => {
      const result = pickBatch(tickets, agents, { autoAccept, now: NOW, skillsTimeoutSeconds });
      expect(result.picks.map((p) => [p.ticketId, p.agentId])).toStrictEqual(picks);
      if (loads) {
        expect(Object.fromEntries(result.agents.map((a) => [a.id, a.load]))).toStrictEqual(loads);
      }
      if (nextLapse !== undefined) expect(result.nextLapse).toStrictEqual(nextLapse);
    },
  );

  it('with auto-accept a pick counts as the agent’s latest assignment; an offer does not', () => {
    const agents = [agent('a', { capacity: 2, load: 1 }), agent('b', { capacity: 1 })];
    const offered = pickBatch([ticket('t1')], agents, {
      autoAccept: false,
      now: NOW,
      skillsTimeoutSeconds: null,
    });
    expect(offered.picks).toStrictEqual([{ ticketId: 't1', agentId: 'a' }]);
    expect(offered.agents.find((a) => a.id === 'a')!.lastAssignedAt).toBeNull();
    const assigned = pickBatch([ticket('t1')], agents, {
      autoAccept: true,
      now: NOW,
      skillsTimeoutSeconds: null,
    });
    expect(assigned.agents.find((a) => a.id === 'a')!.lastAssignedAt).toStrictEqual(NOW);
  });

  it('after an auto-assignment, a tie on spare capacity goes to the other agent', () => {
    const agents = [agent('a', { capacity: 2 }), agent('b', { capacity: 2, load: 1 })];
    const tickets = [ticket('t1'), ticket('t2', { waitingSince: T1 }), ticket('t3', { waitingSince: T1 })];
    // t1 → a (more room); then both have 1 spare and a was assigned just now, so t2 → b; t3 → a.
    const { picks } = pickBatch(tickets, agents, { autoAccept: true, now: NOW, skillsTimeoutSeconds: null });
    expect(picks.map((p) => p.agentId)).toStrictEqual(['a', 'b', 'a']);
  });

  it('changes none of its inputs', () => {
    const agents = [agent('a')];
    const tickets = [ticket('t2', { waitingSince: T1 }), ticket('t1')];
    pickBatch(tickets, agents, { autoAccept: true, now: NOW, skillsTimeoutSeconds: null });
    expect(agents[0]!.load).toBe(0);
    expect(tickets.map((t) => t.id)).toStrictEqual(['t2', 't1']);
  });
});

describe('hasSpareCapacity', () => {
  it.each([
    [[], false],
    [[agent('a', { capacity: 0 })], false],
    [[agent('a', { capacity: 2, load: 2 })], false],
    [[agent('a', { capacity: 2, load: 2 }), agent('b', { capacity: 3, load: 2 })], true],
  ])('%#', (agents, spare) => {
    expect(hasSpareCapacity(agents)).toBe(spare);
  });
});
