/**
 * docs/domain.md "Skills timeout": a ticket's optional skills count like required ones until it
 * has waited `skillsTimeoutSeconds` in the queue (from its waitingSince); from then on they no
 * longer count. With no timeout (null) they never lapse.
 */
export type SkillsTimeout =
  /** Optional skills never lapse. */
  | { readonly seconds: null }
  /** Optional skills lapse `seconds` after the ticket started waiting; `now` is the run's time. */
  | { readonly seconds: number; readonly now: Date };

export const NO_SKILLS_TIMEOUT: SkillsTimeout = { seconds: null };

export interface WaitingSkills {
  readonly optionalSkills: readonly string[];
  readonly waitingSince: Date;
}

/** When the ticket's optional skills stop counting; null when they never do (or it has none). */
export function optionalSkillsLapseAt(ticket: WaitingSkills, timeoutSeconds: number | null): Date | null {
  if (timeoutSeconds === null || ticket.optionalSkills.length === 0) return null;
  return new Date(ticket.waitingSince.getTime() + timeoutSeconds * 1000);
}

/**
 * The lapse as the pick sees it at the timeout's `now`: null while the optional skills count
 * (or the ticket has none), else the moment they stopped counting. Exactly at the timeout they
 * have lapsed: the ticket "has waited" that long.
 */
export function optionalSkillsLapsedAt(ticket: WaitingSkills, timeout: SkillsTimeout): Date | null {
  if (timeout.seconds === null) return null;
  const at = optionalSkillsLapseAt(ticket, timeout.seconds);
  return at !== null && at.getTime() <= timeout.now.getTime() ? at : null;
}

/**
 * The earliest moment, after `now`, at which one of these waiting tickets loses its optional
 * skills: a routing run then may place it though nothing else changed. Null when none will.
 */
export function nextSkillsLapse(
  tickets: readonly WaitingSkills[],
  timeoutSeconds: number | null,
  now: Date,
): Date | null {
  let next: Date | null = null;
  for (const ticket of tickets) {
    const at = optionalSkillsLapseAt(ticket, timeoutSeconds);
    if (at === null || at.getTime() <= now.getTime()) continue;
    if (next === null || at.getTime() < next.getTime()) next = at;
  }
  return next;
}
