import { AgentStatus } from '../agent/agent.rules';
import { missingSkills, type AgentSnapshot } from './routing-pick';

export interface AgentFigures {
  /** ONLINE agents who could take the queue's tickets. */
  agentsOnline: number;
  /** Their capacity − load, summed (never negative per agent). */
  spareCapacity: number;
}

/**
 * Who could serve a queue: every ONLINE agent for the whole queue; for one channel's queue, the
 * ONLINE agents with every skill the channel requires of its tickets (skills a ticket adds on
 * arrival are not known in advance, so the figure is an upper bound for such tickets).
 */
export function agentFigures(
  agents: readonly AgentSnapshot[],
  requiredSkills: readonly string[] = [],
): AgentFigures {
  const serving = agents.filter(
    (a) => a.status === AgentStatus.ONLINE && missingSkills(a.skills, requiredSkills).length === 0,
  );
  return {
    agentsOnline: serving.length,
    spareCapacity: serving.reduce((sum, a) => sum + Math.max(0, a.capacity - a.load), 0),
  };
}
