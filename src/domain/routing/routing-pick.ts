import { AgentStatus } from '../agent/agent.rules';
import {
  NO_SKILLS_TIMEOUT,
  optionalSkillsLapseAt,
  optionalSkillsLapsedAt,
  type SkillsTimeout,
} from './skills-timeout';

/**
 * docs/domain.md "Routing" as a pure function: who gets a ticket, and why every other agent did not.
 * The routing service loads these snapshots, calls pickAgent, and claims the result under locks.
 */
export interface AgentSnapshot {
  readonly id: string;
  readonly status: AgentStatus;
  readonly capacity: number;
  /** OPEN tickets assigned to the agent plus tickets currently offered to it. */
  readonly load: number;
  /** Lowercase (stored normalised). */
  readonly skills: readonly string[];
  readonly lastAssignedAt: Date | null;
}

export interface TicketSnapshot {
  readonly id: string;
  readonly requiredSkills: readonly string[];
  /** Count like required skills until the skills timeout lapses (docs/domain.md "Skills timeout"). */
  readonly optionalSkills: readonly string[];
  /** When the ticket entered the queue: the skills timeout runs from here. */
  readonly waitingSince: Date;
  /** Agents that declined or missed (let expire) an offer of this ticket. */
  readonly refusedBy: ReadonlySet<string>;
  /** Agents that had the ticket and transferred it away (docs/domain.md "Transfer"). */
  readonly transferredBy?: ReadonlySet<string>;
}

export type IneligibleReason =
  | { readonly code: 'NOT_ONLINE'; readonly status: AgentStatus }
  | { readonly code: 'AT_CAPACITY'; readonly load: number; readonly capacity: number }
  | { readonly code: 'MISSING_SKILL'; readonly skills: readonly string[] }
  /** Optional skills the agent lacks while they still count; `lapsesAt` null: they never lapse. */
  | {
      readonly code: 'MISSING_OPTIONAL_SKILL';
      readonly skills: readonly string[];
      readonly lapsesAt: Date | null;
    }
  | { readonly code: 'DECLINED_BEFORE' }
  | { readonly code: 'TRANSFERRED_AWAY' };

/**
 * An eligible agent (chosen or ranked lower: see its rank) that lacks some of the ticket's optional
 * skills, which no longer count since `lapsedAt`: it is eligible only because of the lapse.
 */
export interface LapsedSkills {
  readonly code: 'OPTIONAL_SKILLS_LAPSED';
  readonly skills: readonly string[];
  readonly lapsedAt: Date;
}

export interface Candidate {
  readonly agentId: string;
  /** 1 = chosen; eligible agents in rank order; null for ineligible ones. */
  readonly rank: number | null;
  readonly spareCapacity: number;
  /**
   * Why the agent was not chosen: ineligible, or RANKED_LOWER than the chosen one; for an eligible
   * agent that lacks lapsed optional skills, that lapse (whatever its rank); null: chosen.
   */
  readonly reason: IneligibleReason | { readonly code: 'RANKED_LOWER' } | LapsedSkills | null;
}

export interface Pick {
  readonly agentId: string | null;
  /** Every agent: the eligible ones by rank first, then the ineligible ones by id. */
  readonly candidates: readonly Candidate[];
}

/** The ticket's optional skills as this pick counts them. */
interface OptionalSkills {
  /** null while they count; else when they stopped counting. */
  readonly lapsedAt: Date | null;
  /** When they will stop counting; null: never. */
  readonly lapsesAt: Date | null;
}

function ineligibility(
  ticket: TicketSnapshot,
  agent: AgentSnapshot,
  optional: OptionalSkills,
): IneligibleReason | null {
  if (agent.status !== AgentStatus.ONLINE) return { code: 'NOT_ONLINE', status: agent.status };
  if (agent.load >= agent.capacity)
    return { code: 'AT_CAPACITY', load: agent.load, capacity: agent.capacity };
  const missing = missingSkills(agent.skills, ticket.requiredSkills);
  if (missing.length > 0) return { code: 'MISSING_SKILL', skills: missing };
  if (optional.lapsedAt === null) {
    const missingOptional = missingSkills(agent.skills, ticket.optionalSkills);
    if (missingOptional.length > 0) {
      return { code: 'MISSING_OPTIONAL_SKILL', skills: missingOptional, lapsesAt: optional.lapsesAt };
    }
  }
  if (ticket.refusedBy.has(agent.id)) return { code: 'DECLINED_BEFORE' };
  if (ticket.transferredBy?.has(agent.id)) return { code: 'TRANSFERRED_AWAY' };
  return null;
}

/** The skills of `wanted` an agent lacks (compared without regard to case). */
export function missingSkills(agentSkills: readonly string[], wanted: readonly string[]): string[] {
  const has = new Set(agentSkills.map((s) => s.toLowerCase()));
  return wanted.map((s) => s.toLowerCase()).filter((s) => !has.has(s));
}

/** For an eligible agent: the lapsed optional skills it lacks, if any (its eligibility owes to the lapse). */
function lapsedFor(agent: AgentSnapshot, ticket: TicketSnapshot, lapsedAt: Date | null): LapsedSkills | null {
  if (lapsedAt === null) return null;
  const skills = missingSkills(agent.skills, ticket.optionalSkills);
  return skills.length > 0 ? { code: 'OPTIONAL_SKILLS_LAPSED', skills, lapsedAt } : null;
}

/**
 * Most spare capacity first; then whoever least recently received a ticket (never counts as
 * longest ago); then the lowest id, so the answer is deterministic.
 */
export function compareCandidates(a: AgentSnapshot, b: AgentSnapshot): number {
  const spare = b.capacity - b.load - (a.capacity - a.load);
  if (spare !== 0) return spare;
  const at = a.lastAssignedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const bt = b.lastAssignedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  if (at !== bt) return at < bt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * `timeout`: the skills timeout and the time of the pick; without one, optional skills always
 * count (docs/domain.md "Skills timeout", null).
 */
export function pickAgent(
  ticket: TicketSnapshot,
  agents: readonly AgentSnapshot[],
  timeout: SkillsTimeout = NO_SKILLS_TIMEOUT,
): Pick {
  const optional: OptionalSkills = {
    lapsedAt: optionalSkillsLapsedAt(ticket, timeout),
    lapsesAt: optionalSkillsLapseAt(ticket, timeout.seconds),
  };
  const eligible: AgentSnapshot[] = [];
  const ineligible: Candidate[] = [];
  for (const agent of agents) {
    const reason = ineligibility(ticket, agent, optional);
    if (reason)
      ineligible.push({ agentId: agent.id, rank: null, spareCapacity: agent.capacity - agent.load, reason });
    else eligible.push(agent);
  }
  eligible.sort(compareCandidates);
  ineligible.sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
  const ranked: Candidate[] = eligible.map((agent, i) => ({
    agentId: agent.id,
    rank: i + 1,
    spareCapacity: agent.capacity - agent.load,
    reason: lapsedFor(agent, ticket, optional.lapsedAt) ?? (i === 0 ? null : { code: 'RANKED_LOWER' }),
  }));
  return { agentId: eligible[0]?.id ?? null, candidates: [...ranked, ...ineligible] };
}

// The queue order lives in queue-order.ts; re-exported for the callers that pick.
export { compareQueued, PRIORITY_RANK, type QueuedTicket } from './queue-order';
