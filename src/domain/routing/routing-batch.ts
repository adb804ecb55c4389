import { type AgentSnapshot, pickAgent, type TicketSnapshot } from './routing-pick';
import { compareQueued, type QueuedTicket } from './queue-order';

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
  options: { readonly autoAccept: boolean; readonly now: Date },
): BatchResult {
  const current = [...agents];
  const picks: BatchPick[] = [];
  for (const ticket of [...tickets].sort(compareQueued)) {
    if (!hasSpareCapacity(current)) break;
    const { agentId } = pickAgent(ticket, current);
    if (agentId === null) continue;
    picks.push({ ticketId: ticket.id, agentId });
    const index = current.findIndex((a) => a.id === agentId);
    const picked = current[index]!;
    current[index] = {
      ...picked,
      load: picked.load + 1,
      lastAssignedAt: options.autoAccept ? options.now : picked.lastAssignedAt,
    };
  }
  return { picks, agents: current };
}

/** Whether any agent could take one more ticket (status and skills aside). */
export function hasSpareCapacity(agents: readonly AgentSnapshot[]): boolean {
  return agents.some((a) => a.load < a.capacity);
}
