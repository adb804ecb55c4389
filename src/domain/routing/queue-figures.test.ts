import { AgentStatus } from '../agent/agent.rules';
import { agentFigures } from './queue-figures';
import type { AgentSnapshot } from './routing-pick';

const agent = (id: string, over: Partial<AgentSnapshot> = {}): AgentSnapshot =>
  Object.freeze({
    id,
    status: AgentStatus.ONLINE,
    capacity: 3,
    load: 1,
    skills: [],
    lastAssignedAt: null,
    ...over,
  });

describe('agentFigures', () => {
  it.each<[string, AgentSnapshot[], string[], { agentsOnline: number; spareCapacity: number }]>([
    ['nobody', [], [], { agentsOnline: 0, spareCapacity: 0 }],
    [
      'every ONLINE agent for the whole queue',
      [agent('a'), agent('b', { load: 3 })],
      [],
      { agentsOnline: 2, spareCapacity: 2 },
    ],
    [
      'AWAY and OFFLINE agents do not count',
      [agent('a', { status: AgentStatus.AWAY }), agent('b', { status: AgentStatus.OFFLINE })],
      [],
      { agentsOnline: 0, spareCapacity: 0 },
    ],
    [
      'over capacity counts as no room, not negative room',
      [agent('a', { load: 5 }), agent('b')],
      [],
      { agentsOnline: 2, spareCapacity: 2 },
    ],
    [
      'a channel needing a skill: only agents who have it',
      [agent('a', { skills: ['korean'] }), agent('b')],
      ['korean'],
      { agentsOnline: 1, spareCapacity: 2 },
    ],
    [
      'skills compare without regard to case',
      [agent('a', { skills: ['korean'] })],
      ['Korean'],
      { agentsOnline: 1, spareCapacity: 2 },
    ],
    [
      'every required skill is needed',
      [agent('a', { skills: ['korean'] }), agent('b', { skills: ['korean', 'billing'] })],
      ['korean', 'billing'],
      { agentsOnline: 1, spareCapacity: 2 },
    ],
  ])('%s', (_name, agents, skills, figures) => {
    expect(agentFigures(agents, skills)).toStrictEqual(figures);
  });
});
