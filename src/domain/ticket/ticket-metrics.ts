import { transferredAs } from './ticket-transition';
import { AuthorType, TicketChangeKind, TicketStatus } from './ticket.enums';

/**
 * docs/domain.md "Metrics per ticket" as a fold over the ticket's event log. The service keeps the folded
 * state on the ticket row (updated in the same transaction as each event), so reads cost nothing,
 * and replaying the log through foldMetrics gives the same state.
 */
export interface MetricsState {
  readonly createdAt: Date;
  readonly firstEndUserMessageAt: Date | null;
  readonly firstAgentReplyAt: Date | null;
  readonly lastSolvedAt: Date | null;
  /** When the ticket last became OPEN, while it still is. */
  readonly openSince: Date | null;
  /** Milliseconds spent OPEN in intervals that have ended. */
  readonly handleMs: number;
  readonly reopenCount: number;
  readonly assignmentCount: number;
}

export interface MetricsEvent {
  readonly kind: TicketChangeKind;
  readonly at: Date;
  readonly toStatus?: TicketStatus | null;
  readonly agentId?: string | null;
  readonly authorType?: AuthorType | null;
  /** An internal note (docs/domain.md "Internal notes"): no reply, so no metric. */
  readonly internal?: boolean;
}

export interface TicketMetrics {
  readonly firstReplySeconds: number | null;
  readonly fullResolutionSeconds: number | null;
  readonly handleSeconds: number;
  readonly reopenCount: number;
  readonly assignmentCount: number;
}

export function initialMetrics(createdAt: Date): MetricsState {
  return {
    createdAt,
    firstEndUserMessageAt: null,
    firstAgentReplyAt: null,
    lastSolvedAt: null,
    openSince: null,
    handleMs: 0,
    reopenCount: 0,
    assignmentCount: 0,
  };
}

export function foldMetrics(state: MetricsState, event: MetricsEvent): MetricsState {
  switch (event.kind) {
    case TicketChangeKind.MESSAGE_ADDED:
      if (event.internal === true) return state;
      if (event.authorType === AuthorType.END_USER && state.firstEndUserMessageAt === null) {
        return { ...state, firstEndUserMessageAt: event.at };
      }
      // The first reply answers the first end-user message; anything an agent wrote before it is not a reply.
      if (
        event.authorType === AuthorType.AGENT &&
        state.firstEndUserMessageAt !== null &&
        state.firstAgentReplyAt === null
      ) {
        return { ...state, firstAgentReplyAt: event.at };
      }
      return state;
    case TicketChangeKind.STATUS_CHANGED:
      return statusMoved(state, event);
    case TicketChangeKind.REOPENED:
      return { ...state, reopenCount: state.reopenCount + 1 };
    case TicketChangeKind.ASSIGNED:
      return event.agentId ? { ...state, assignmentCount: state.assignmentCount + 1 } : state;
    case TicketChangeKind.TRANSFERRED: {
      // One change that may move the status too (OPEN → NEW for an offer or the queue, NEW → OPEN
      // for an assignment): its handle time counts as a STATUS_CHANGED's would.
      const next = statusMoved(state, event);
      return transferredAs(event) === 'ASSIGNMENT'
        ? { ...next, assignmentCount: next.assignmentCount + 1 }
        : next;
    }
    default:
      return state;
  }
}

/** The status the event leaves the ticket in: OPEN time starts or ends, a solve is noted. */
function statusMoved(state: MetricsState, event: MetricsEvent): MetricsState {
  let next = state;
  if (next.openSince !== null && event.toStatus !== TicketStatus.OPEN) {
    next = {
      ...next,
      handleMs: next.handleMs + (event.at.getTime() - next.openSince.getTime()),
      openSince: null,
    };
  }
  if (event.toStatus === TicketStatus.OPEN && next.openSince === null)
    next = { ...next, openSince: event.at };
  if (event.toStatus === TicketStatus.SOLVED) next = { ...next, lastSolvedAt: event.at };
  return next;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** The figures at `now`: an OPEN ticket's current interval counts toward handle time. */
export function metricsAt(state: MetricsState, now: Date): TicketMetrics {
  const openMs = state.openSince === null ? 0 : Math.max(0, now.getTime() - state.openSince.getTime());
  return {
    firstReplySeconds:
      state.firstEndUserMessageAt && state.firstAgentReplyAt
        ? seconds(state.firstAgentReplyAt.getTime() - state.firstEndUserMessageAt.getTime())
        : null,
    fullResolutionSeconds: state.lastSolvedAt
      ? seconds(state.lastSolvedAt.getTime() - state.createdAt.getTime())
      : null,
    handleSeconds: seconds(state.handleMs + openMs),
    reopenCount: state.reopenCount,
    assignmentCount: state.assignmentCount,
  };
}
