import { AgentStatus } from './agent.rules';

/**
 * docs/domain.md "Presence": when an agent's sockets, or its absence, change its status or its
 * tickets. Pure: the service reads the facts under the agent's row lock and asks here, so a job
 * that runs twice, late or after the facts moved on finds nothing due the second time.
 */

export interface PresenceFacts {
  readonly status: AgentStatus;
  /** When the agent took its current status; null when not known (never due then). */
  readonly statusSince: Date | null;
  /** When its last socket anywhere went away; null: it never had one. */
  readonly disconnectedAt: Date | null;
  /** Its sockets open now on live processes. */
  readonly connections: number;
}

const later = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);
const plusSeconds = (at: Date, seconds: number): Date => new Date(at.getTime() + seconds * 1000);

/**
 * When the agent goes AWAY for want of a socket, as things stand; null: not on this course. The wait
 * runs from the last disconnect, or from going ONLINE if that came later (an agent set ONLINE with
 * no socket open gets the whole window to open one). An agent that never had a socket is left
 * alone: presence follows sockets only for clients that use them.
 */
export function awayDueAt(facts: PresenceFacts, awayAfterDisconnectSeconds: number | null): Date | null {
  if (awayAfterDisconnectSeconds === null) return null;
  if (facts.status !== AgentStatus.ONLINE || facts.connections > 0 || facts.disconnectedAt === null) {
    return null;
  }
  const from = facts.statusSince ? later(facts.disconnectedAt, facts.statusSince) : facts.disconnectedAt;
  return plusSeconds(from, awayAfterDisconnectSeconds);
}

export function isAwayDue(
  facts: PresenceFacts,
  awayAfterDisconnectSeconds: number | null,
  now: Date,
): boolean {
  const due = awayDueAt(facts, awayAfterDisconnectSeconds);
  return due !== null && due.getTime() <= now.getTime();
}

/**
 * When an OFFLINE agent's tickets go back to the queue; null: not on this course. The wait runs from
 * going OFFLINE, so coming back ONLINE (even briefly) and leaving again starts it afresh.
 */
export function reassignDueAt(
  facts: Pick<PresenceFacts, 'status' | 'statusSince'>,
  reassignAfterOfflineSeconds: number | null,
): Date | null {
  if (reassignAfterOfflineSeconds === null) return null;
  if (facts.status !== AgentStatus.OFFLINE || facts.statusSince === null) return null;
  return plusSeconds(facts.statusSince, reassignAfterOfflineSeconds);
}

export function isReassignDue(
  facts: Pick<PresenceFacts, 'status' | 'statusSince'>,
  reassignAfterOfflineSeconds: number | null,
  now: Date,
): boolean {
  const due = reassignDueAt(facts, reassignAfterOfflineSeconds);
  return due !== null && due.getTime() <= now.getTime();
}
