import { type AgentSnapshot, pickAgent, type TicketSnapshot } from './routing-pick';
import { compareQueued, type QueuedTicket } from './queue-order';
import { nextSkillsLapse } from './skills-timeout';

export type BatchTicket = TicketSnapshot & QueuedTicket;

export interface BatchPick {
  readonly ticketId: string;
  readonly agentId: string;
}

export interface BatchResult {
  /** The tickets placed, in queue order, each with the agent picked for it. */
  readonly picks: readonly BatchPick[];
  /** The agents after the picks: each pick adds one to its agent's load. */
  readonly agents: readonly AgentSnapshot[];
  /**
   * The earliest moment after `now` at which a ticket this batch looked at and left waiting loses
   * its optional skills (docs/domain.md "Skills timeout"): routing must look again then, though
   * nothing else may change. Null: none will. Tickets not looked at (no agent had room left) wait
   * for capacity, whose release asks for routing anyway.
   */
  readonly nextLapse: Date | null;
}

/**
 * Routing for a batch of waiting tickets: each ticket in queue order gets pickAgent() against the
 * agents as the earlier picks of the batch left them (one more ticket each, and, when the pick
 * is an assignment rather than an offer, assigned just now). The caller claims the picks under
 * locks; nothing here reads or writes anything.
 */
export function pickBatch(
  tickets: readonly BatchTicket[],
  agents: readonly AgentSnapshot[],
  options: {
    readonly autoAccept: boolean;
    readonly now: Date;
    /** docs/domain.md "Skills timeout"; null: optional skills never lapse. */
    readonly skillsTimeoutSeconds: number | null;
  },
): BatchResult {
  const current = [...agents];
  const picks: BatchPick[] = [];
  const left: BatchTicket[] = [];
  const { now, skillsTimeoutSeconds: seconds } = options;
  const timeout = seconds === null ? { seconds } : { seconds, now };
  for (const ticket of [...tickets].sort(compareQueued)) {
    if (!hasSpareCapacity(current)) break;
    const { agentId } = pickAgent(ticket, current, timeout);
    if (agentId === null) {
      left.push(ticket);
      continue;
    }
    picks.push({ ticketId: ticket.id, agentId });
    const index = current.findIndex((a) => a.id === agentId);
    const picked = current[index]!;
    current[index] = {
      ...picked,
      load: picked.load + 1,
      lastAssignedAt: options.autoAccept ? options.now : picked.lastAssignedAt,
    };
  }
  return { picks, agents: current, nextLapse: nextSkillsLapse(left, seconds, now) };
}

/** Whether any agent could take one more ticket (status and skills aside). */
export function hasSpareCapacity(agents: readonly AgentSnapshot[]): boolean {
  return agents.some((a) => a.load < a.capacity);
}
