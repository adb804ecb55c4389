import { normalizeSkills, withoutRequired } from '../skills';
import { rejectNull } from '../text';
import type { TicketPriority } from './ticket.enums';

/** What updateTicket changes (docs/domain.md "Skills timeout"); the rest is the change path's. */
export interface TicketDetails {
  readonly priority: TicketPriority;
  readonly requiredSkills: readonly string[];
  readonly optionalSkills: readonly string[];
}

/** updateTicket's input: an omitted field keeps its value; null is refused, as for channels. */
export interface TicketUpdateInput {
  readonly priority?: TicketPriority | null;
  readonly requiredSkills?: readonly string[] | null;
  readonly optionalSkills?: readonly string[] | null;
}

export type TicketUpdate = Partial<TicketDetails>;

/** Validated and normalised; throws BAD_USER_INPUT naming the field. */
export function parseTicketUpdate(input: TicketUpdateInput): TicketUpdate {
  const priority = rejectNull('input.priority', input.priority);
  const required = rejectNull('input.requiredSkills', input.requiredSkills);
  const optional = rejectNull('input.optionalSkills', input.optionalSkills);
  return {
    ...(priority === undefined ? {} : { priority }),
    ...(required === undefined ? {} : { requiredSkills: normalizeSkills('input.requiredSkills', required) }),
    ...(optional === undefined ? {} : { optionalSkills: normalizeSkills('input.optionalSkills', optional) }),
  };
}

/**
 * The ticket's details after the update. Optional skills never repeat a required one: a skill in
 * both (given together, or new required skills meeting the optional ones kept) is required.
 */
export function updatedDetails(current: TicketDetails, update: TicketUpdate): TicketDetails {
  const requiredSkills = update.requiredSkills ?? current.requiredSkills;
  return {
    priority: update.priority ?? current.priority,
    requiredSkills,
    optionalSkills: withoutRequired(update.optionalSkills ?? current.optionalSkills, requiredSkills),
  };
}

/** Whether anything routing or the queue reads differs (skills as sets: their order means nothing). */
export function detailsDiffer(a: TicketDetails, b: TicketDetails): boolean {
  return (
    a.priority !== b.priority ||
    !sameSet(a.requiredSkills, b.requiredSkills) ||
    !sameSet(a.optionalSkills, b.optionalSkills)
  );
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}
