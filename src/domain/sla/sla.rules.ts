import { AuthorType, TicketChangeKind, type TicketPriority, TicketStatus } from '../ticket/ticket.enums';
import { addBusinessSeconds, type BusinessHours } from './business-time';

/**
 * docs/domain.md "SLA": which policy a ticket follows, when each of its targets is due, and which
 * are missed at a moment. Pure: the change path folds and evaluates with these, inside the
 * change's transaction; the breach job and the sweep ask dueBreaches().
 */

export enum SlaTarget {
  FIRST_REPLY = 'FIRST_REPLY',
  NEXT_REPLY = 'NEXT_REPLY',
  RESOLUTION = 'RESOLUTION',
}

/** The order targets are reported and breached in. */
export const SLA_TARGETS: readonly SlaTarget[] = [
  SlaTarget.FIRST_REPLY,
  SlaTarget.NEXT_REPLY,
  SlaTarget.RESOLUTION,
];

/** A policy as stored (validated by sla-policy.rules.ts). */
export interface SlaPolicyData {
  readonly id: string;
  readonly name: string;
  readonly position: number;
  /** Empty: any priority. */
  readonly priorities: readonly TicketPriority[];
  /** Empty: any channel. */
  readonly channelIds: readonly string[];
  readonly firstReplySeconds: number | null;
  readonly nextReplySeconds: number | null;
  readonly resolutionSeconds: number | null;
  /** Null: every hour of every day counts. */
  readonly businessHours: BusinessHours | null;
  readonly createdAt: Date;
}

/** Policies in the order they are tried: position, then the older first, then id. */
export function policyOrder(a: SlaPolicyData, b: SlaPolicyData): number {
  return (
    a.position - b.position ||
    a.createdAt.getTime() - b.createdAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** The first policy, in order, whose priorities and channels (empty: any) take the ticket. */
export function matchPolicy(
  policies: readonly SlaPolicyData[],
  ticket: { readonly priority: TicketPriority; readonly channelId: string },
): SlaPolicyData | null {
  return (
    [...policies]
      .sort(policyOrder)
      .find(
        (p) =>
          (p.priorities.length === 0 || p.priorities.includes(ticket.priority)) &&
          (p.channelIds.length === 0 || p.channelIds.includes(ticket.channelId)),
      ) ?? null
  );
}

/** A change as the reply clock sees it (the same facts the metrics fold reads). */
export interface SlaClockEvent {
  readonly kind: TicketChangeKind;
  readonly at: Date;
  readonly toStatus?: TicketStatus | null;
  readonly authorType?: AuthorType | null;
  readonly internal?: boolean;
}

/**
 * Since when an agent's reply is owed: the first public end-user message after the last public
 * agent reply. An agent's public message answers; an internal note never does; a solve (or a
 * close) owes nothing more, so a customer who writes after it starts a new wait.
 */
export function foldReplyOwed(owedSince: Date | null, event: SlaClockEvent): Date | null {
  switch (event.kind) {
    case TicketChangeKind.MESSAGE_ADDED:
      if (event.internal === true) return owedSince;
      if (event.authorType === AuthorType.END_USER) return owedSince ?? event.at;
      if (event.authorType === AuthorType.AGENT) return null;
      return owedSince;
    case TicketChangeKind.STATUS_CHANGED:
      return stopsClocks(event.toStatus) ? null : owedSince;
    default:
      return owedSince;
  }
}

/**
 * Whether a change can move a ticket's due times: a public message, a status change into or out of
 * SOLVED or CLOSED (the clocks stop, or start again), a new ticket, or an update (its priority may
 * pick another policy). Offers, assignments, other status moves, receipts and breaches cannot.
 */
export function affectsSla(change: {
  readonly kind: TicketChangeKind;
  readonly internal?: boolean;
  readonly fromStatus?: TicketStatus | null;
  readonly toStatus?: TicketStatus | null;
}): boolean {
  switch (change.kind) {
    case TicketChangeKind.CREATED:
    case TicketChangeKind.REOPENED:
      return true;
    case TicketChangeKind.STATUS_CHANGED:
      return stopsClocks(change.fromStatus) || stopsClocks(change.toStatus);
    case TicketChangeKind.MESSAGE_ADDED:
      return change.internal !== true;
    default:
      return rematchesPolicy(change.kind);
  }
}

const stopsClocks = (status: TicketStatus | null | undefined): boolean =>
  status === TicketStatus.SOLVED || status === TicketStatus.CLOSED;

/**
 * Whether a change picks the ticket's policy afresh: at creation, and on an update, which may have
 * changed its priority (policies read nothing else an update changes, so an update that kept the
 * priority keeps the policy, unless the policies themselves changed since).
 */
export function rematchesPolicy(kind: TicketChangeKind): boolean {
  return kind === TicketChangeKind.CREATED || kind === TicketChangeKind.TICKET_UPDATED;
}

/** What the due times are computed from: the ticket's folded state. */
export interface SlaFacts {
  readonly status: TicketStatus;
  readonly createdAt: Date;
  readonly firstEndUserMessageAt: Date | null;
  readonly firstAgentReplyAt: Date | null;
  readonly replyOwedSince: Date | null;
}

/** Each target's due time while it runs; null when it does not (met, stopped, or not in the policy). */
export interface SlaDueTimes {
  readonly firstReplyDueAt: Date | null;
  readonly nextReplyDueAt: Date | null;
  readonly resolutionDueAt: Date | null;
}

export const NO_DUE_TIMES: SlaDueTimes = {
  firstReplyDueAt: null,
  nextReplyDueAt: null,
  resolutionDueAt: null,
};

/** addBusinessSeconds' signature, so a caller may put a cache in front of it. */
export type BusinessClock = (start: Date, seconds: number, hours: BusinessHours | null) => Date | null;

/**
 * When each target is due, in the policy's business time:
 * - first reply: from the first end-user message, until the first public agent reply;
 * - next reply: once the first reply was given, from the message that left a reply owed, until
 *   the next public agent reply;
 * - resolution: from creation, until solved.
 * No target runs while the ticket is SOLVED or CLOSED. A reopen restarts them from the same
 * starts, so a reopened ticket's resolution is due when it was before (docs/domain.md "SLA").
 */
export function slaDueTimes(
  policy: SlaPolicyData | null,
  facts: SlaFacts,
  add: BusinessClock = addBusinessSeconds,
): SlaDueTimes {
  if (policy === null) return NO_DUE_TIMES;
  if (stopsClocks(facts.status)) return NO_DUE_TIMES;
  const due = (start: Date | null, seconds: number | null): Date | null =>
    start === null || seconds === null ? null : add(start, seconds, policy.businessHours);
  return {
    firstReplyDueAt:
      facts.firstAgentReplyAt === null ? due(facts.firstEndUserMessageAt, policy.firstReplySeconds) : null,
    nextReplyDueAt:
      facts.firstAgentReplyAt !== null ? due(facts.replyOwedSince, policy.nextReplySeconds) : null,
    resolutionDueAt: due(facts.createdAt, policy.resolutionSeconds),
  };
}

function dueAtOf(due: SlaDueTimes, target: SlaTarget): Date | null {
  switch (target) {
    case SlaTarget.FIRST_REPLY:
      return due.firstReplyDueAt;
    case SlaTarget.NEXT_REPLY:
      return due.nextReplyDueAt;
    case SlaTarget.RESOLUTION:
      return due.resolutionDueAt;
  }
}

/**
 * When the ticket must next be looked at: the earliest due time of a target not yet breached
 * (a target is breached at most once per ticket); null when nothing is left to miss.
 */
export function nextSlaCheck(due: SlaDueTimes, breached: readonly SlaTarget[]): Date | null {
  let next: Date | null = null;
  for (const target of SLA_TARGETS) {
    const at = dueAtOf(due, target);
    if (at === null || breached.includes(target)) continue;
    if (next === null || at.getTime() < next.getTime()) next = at;
  }
  return next;
}

/** The targets missed at `now` and not yet breached, in SLA_TARGETS order. */
export function dueBreaches(due: SlaDueTimes, breached: readonly SlaTarget[], now: Date): SlaTarget[] {
  return SLA_TARGETS.filter((target) => {
    const at = dueAtOf(due, target);
    return at !== null && at.getTime() <= now.getTime() && !breached.includes(target);
  });
}
