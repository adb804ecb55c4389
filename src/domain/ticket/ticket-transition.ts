import { AgentStatus } from '../agent/agent.rules';
import { ConversationStyleKind, reopensOnReply } from '../conversation-style/conversation-style.rules';
import { type Actor, ActorType, TicketChangeKind, TicketStatus } from './ticket.enums';

/**
 * docs/domain.md "Ticket statuses" and "Conversation styles" as one pure function. Services load a
 * TicketState, call transition(), and apply the result; nothing else decides a status.
 */
export interface TicketState {
  readonly status: TicketStatus;
  readonly assigneeId: string | null;
  /** Needed for the reopen rule: a reopened ticket whose assignee is OFFLINE goes back to routing. */
  readonly assigneeStatus: AgentStatus | null;
  readonly styleKind: ConversationStyleKind;
  readonly closeAfterSolvedSeconds: number;
  readonly solvedAt: Date | null;
  readonly closesAt: Date | null;
  readonly closedAt: Date | null;
  readonly reopenCount: number;
  /** The agent the ticket is offered to, while the offer stands (only a NEW ticket is offered). */
  readonly offeredToId: string | null;
  readonly offerExpiresAt: Date | null;
}

export type TicketAction =
  /** updateTicketStatus by the assignee or an admin. */
  | { readonly type: 'SET_STATUS'; readonly to: TicketStatus }
  /** An end-user message arriving on this (not CLOSED) ticket. */
  | { readonly type: 'END_USER_MESSAGE' }
  /** An admin's reassignment to a named agent: the admin's choice stands for acceptance. */
  | { readonly type: 'ASSIGN'; readonly agentId: string }
  /** An admin's reassignment to nobody: back to NEW, waiting for routing. */
  | { readonly type: 'UNASSIGN' }
  /** The system's: the assignee has been OFFLINE too long (docs/domain.md "Presence"); back to NEW. */
  | { readonly type: 'RETURN_FROM_OFFLINE' }
  /** The scheduler's close, valid only for the solve it was scheduled for. */
  | { readonly type: 'CLOSE_DUE'; readonly solvedAt: Date }
  /** Routing offers a waiting ticket to the agent it picked. */
  | { readonly type: 'OFFER'; readonly agentId: string; readonly expiresAt: Date }
  /** Routing with auto-accept on: the picked agent gets the ticket directly. */
  | { readonly type: 'AUTO_ASSIGN'; readonly agentId: string }
  /** The offered agent takes the ticket, before the offer expires. */
  | { readonly type: 'ACCEPT' }
  /** The offered agent turns the ticket down: it is routed again without them. */
  | { readonly type: 'DECLINE' }
  /** The offer ran out (the agent is then set AWAY): routed again without them. */
  | { readonly type: 'EXPIRE_OFFER' }
  /** The agent went AWAY or OFFLINE: the offer goes back to routing (not a refusal). */
  | { readonly type: 'WITHDRAW_OFFER' }
  /** The assignee or an admin hands the ticket on (docs/domain.md "Transfer"). */
  | { readonly type: 'TRANSFER'; readonly to: TransferTo }
  /**
   * updateTicket by the assignee or an admin (docs/domain.md "Skills timeout"): `changed` says
   * whether the priority or skills differ (the service sets them; they are not TicketState's).
   */
  | { readonly type: 'UPDATE'; readonly changed: boolean };

/** Where a transfer sends the ticket; an offer or an assignment as routing's auto-accept says. */
export type TransferTo =
  | { readonly kind: 'QUEUE' }
  | { readonly kind: 'OFFER'; readonly agent: TransferTarget; readonly expiresAt: Date }
  | { readonly kind: 'ASSIGN'; readonly agent: TransferTarget };

/**
 * The agent a ticket is transferred to, as the service found it under the agent's row lock: an
 * agent's transfer must find it free by routing's rule (docs/domain.md "Capacity").
 */
export interface TransferTarget {
  readonly id: string;
  readonly status: AgentStatus;
  readonly capacity: number;
  readonly load: number;
}

export type TicketEffect =
  | { readonly type: 'SCHEDULE_CLOSE'; readonly at: Date }
  | { readonly type: 'CANCEL_SCHEDULED_CLOSE' }
  /** The ticket needs an agent: routing should pick it up. */
  | { readonly type: 'ROUTE' }
  /** A missed offer means the agent is not at the desk (docs/domain.md "Routing"). */
  | { readonly type: 'SET_AGENT_AWAY'; readonly agentId: string };

/** What the service records in the event log for this change, in order. */
export interface TicketChange {
  readonly kind: TicketChangeKind;
  readonly fromStatus?: TicketStatus;
  readonly toStatus?: TicketStatus;
  readonly agentId?: string | null;
}

/**
 * What a TRANSFERRED change did with its agent, read from the change alone (the log's folds need
 * nothing else): only a NEW ticket is offered and a NEW ticket has no assignee, so a transfer that
 * leaves the ticket NEW offered it to its agent (or, with none, put it back in the queue), and one
 * that leaves it in any other status assigned it.
 */
export function transferredAs(change: {
  readonly agentId?: string | null;
  readonly toStatus?: TicketStatus | null;
}): 'QUEUE' | 'OFFER' | 'ASSIGNMENT' {
  if (!change.agentId) return 'QUEUE';
  return change.toStatus === TicketStatus.NEW ? 'OFFER' : 'ASSIGNMENT';
}

export interface TransitionResult {
  readonly ok: true;
  readonly next: TicketState;
  readonly changes: readonly TicketChange[];
  readonly effects: readonly TicketEffect[];
  /**
   * A ticket put back in the queue keeps its place there (its waiting time runs on from when it
   * first waited) though its changes alone do not say so (see keepsQueuePlace in queue-order.ts).
   */
  readonly keepsQueuePlace?: boolean;
}

export interface TransitionRefusal {
  readonly ok: false;
  /** BAD_USER_INPUT only for a transfer's target, which the caller named (then `field` says where). */
  readonly code: 'ILLEGAL_TRANSITION' | 'FORBIDDEN' | 'BAD_USER_INPUT';
  readonly reason: string;
  readonly field?: string;
}

/** From → statuses the assignee or an admin may set (docs/domain.md "Ticket statuses"). */
export const AGENT_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  [TicketStatus.NEW]: [],
  [TicketStatus.OPEN]: [TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED],
  [TicketStatus.PENDING]: [TicketStatus.OPEN, TicketStatus.SOLVED, TicketStatus.ON_HOLD],
  [TicketStatus.ON_HOLD]: [TicketStatus.OPEN, TicketStatus.SOLVED, TicketStatus.PENDING],
  [TicketStatus.SOLVED]: [TicketStatus.OPEN],
  [TicketStatus.CLOSED]: [],
};

const refuse = (code: TransitionRefusal['code'], reason: string): TransitionRefusal => ({
  ok: false,
  code,
  reason,
});

export function transition(
  ticket: TicketState,
  action: TicketAction,
  actor: Actor,
  now: Date,
): TransitionResult | TransitionRefusal {
  if (ticket.status === TicketStatus.CLOSED)
    return refuse('ILLEGAL_TRANSITION', 'The ticket is CLOSED; nothing changes a closed ticket');
  switch (action.type) {
    case 'SET_STATUS':
      return setStatus(ticket, action.to, actor, now);
    case 'END_USER_MESSAGE':
      return endUserMessage(ticket, actor, now);
    case 'ASSIGN':
      return assign(ticket, action.agentId, actor);
    case 'UNASSIGN':
      return unassign(ticket, actor);
    case 'RETURN_FROM_OFFLINE':
      return returnFromOffline(ticket, actor);
    case 'CLOSE_DUE':
      return closeDue(ticket, action.solvedAt, actor, now);
    case 'OFFER':
    case 'AUTO_ASSIGN':
      return route(ticket, action, actor);
    case 'ACCEPT':
      return accept(ticket, actor, now);
    case 'DECLINE':
    case 'EXPIRE_OFFER':
    case 'WITHDRAW_OFFER':
      return endOffer(ticket, action.type, actor, now);
    case 'TRANSFER':
      return transfer(ticket, action.to, actor);
    case 'UPDATE':
      return update(ticket, action.changed, actor);
  }
}

const NO_OFFER = { offeredToId: null, offerExpiresAt: null } as const;

function route(
  ticket: TicketState,
  action: { type: 'OFFER'; agentId: string; expiresAt: Date } | { type: 'AUTO_ASSIGN'; agentId: string },
  actor: Actor,
): TransitionResult | TransitionRefusal {
  if (actor.type !== ActorType.SYSTEM) return refuse('FORBIDDEN', 'Only routing offers tickets');
  if (ticket.status !== TicketStatus.NEW || ticket.assigneeId !== null || ticket.offeredToId !== null) {
    return refuse('ILLEGAL_TRANSITION', 'Only a NEW ticket that is not on offer can be routed');
  }
  if (action.type === 'OFFER') {
    return ok(
      { ...ticket, offeredToId: action.agentId, offerExpiresAt: action.expiresAt },
      [{ kind: TicketChangeKind.OFFERED, agentId: action.agentId }],
      [],
    );
  }
  return ok(
    { ...ticket, status: TicketStatus.OPEN, assigneeId: action.agentId, assigneeStatus: null },
    [
      { kind: TicketChangeKind.ASSIGNED, agentId: action.agentId },
      statusChange(TicketStatus.NEW, TicketStatus.OPEN),
    ],
    [],
  );
}

/** Only the agent the ticket is offered to, while the offer stands; anything else is too late. */
function accept(ticket: TicketState, actor: Actor, now: Date): TransitionResult | TransitionRefusal {
  if (actor.type !== ActorType.AGENT)
    return refuse('FORBIDDEN', 'Only the agent a ticket is offered to may accept it');
  if (ticket.offeredToId !== actor.id) {
    return refuse('ILLEGAL_TRANSITION', 'The ticket is not offered to you (any more)');
  }
  if (ticket.offerExpiresAt !== null && ticket.offerExpiresAt.getTime() <= now.getTime()) {
    return refuse('ILLEGAL_TRANSITION', 'The offer has expired');
  }
  return ok(
    { ...ticket, ...NO_OFFER, status: TicketStatus.OPEN, assigneeId: actor.id, assigneeStatus: null },
    [
      { kind: TicketChangeKind.ASSIGNED, agentId: actor.id },
      statusChange(TicketStatus.NEW, TicketStatus.OPEN),
    ],
    [],
  );
}

function endOffer(
  ticket: TicketState,
  type: 'DECLINE' | 'EXPIRE_OFFER' | 'WITHDRAW_OFFER',
  actor: Actor,
  now: Date,
): TransitionResult | TransitionRefusal {
  const agentId = ticket.offeredToId;
  if (type === 'DECLINE') {
    if (actor.type !== ActorType.AGENT || agentId !== actor.id) {
      return refuse('FORBIDDEN', 'Only the agent a ticket is offered to may decline it');
    }
  } else if (actor.type !== ActorType.SYSTEM) {
    return refuse('FORBIDDEN', 'Only the system ends offers');
  }
  if (agentId === null) return refuse('ILLEGAL_TRANSITION', 'The ticket is not on offer');
  if (
    type === 'EXPIRE_OFFER' &&
    (ticket.offerExpiresAt === null || ticket.offerExpiresAt.getTime() > now.getTime())
  ) {
    return refuse('ILLEGAL_TRANSITION', 'The offer has not expired yet');
  }
  const next = { ...ticket, ...NO_OFFER };
  if (type === 'EXPIRE_OFFER') {
    return ok(
      next,
      [{ kind: TicketChangeKind.OFFER_EXPIRED, agentId }],
      [{ type: 'ROUTE' }, { type: 'SET_AGENT_AWAY', agentId }],
    );
  }
  // A withdrawn offer is recorded as declined by the system, which does not bar the agent later.
  return ok(next, [{ kind: TicketChangeKind.OFFER_DECLINED, agentId }], [{ type: 'ROUTE' }]);
}

function setStatus(
  ticket: TicketState,
  to: TicketStatus,
  actor: Actor,
  now: Date,
): TransitionResult | TransitionRefusal {
  const isAssignee =
    actor.type === ActorType.AGENT && actor.id !== undefined && actor.id === ticket.assigneeId;
  if (actor.type !== ActorType.ADMIN && !isAssignee) {
    return refuse('FORBIDDEN', "Only the ticket's assignee or an admin may change its status");
  }
  if (!AGENT_TRANSITIONS[ticket.status].includes(to)) {
    return refuse('ILLEGAL_TRANSITION', `A ticket cannot go from ${ticket.status} to ${to}`);
  }
  if (to === TicketStatus.SOLVED && ticket.assigneeId === null) {
    return refuse('ILLEGAL_TRANSITION', 'A ticket cannot be SOLVED without an assignee');
  }
  if (to === TicketStatus.SOLVED) return solve(ticket, now);
  if (ticket.status === TicketStatus.SOLVED) return reopen(ticket, actor);
  return ok({ ...ticket, status: to }, [statusChange(ticket.status, to)], []);
}

/** Live chat closes in the same transaction as the solve; other styles schedule the close. */
function solve(ticket: TicketState, now: Date): TransitionResult {
  if (ticket.styleKind === ConversationStyleKind.LIVE_CHAT) {
    return ok(
      { ...ticket, status: TicketStatus.CLOSED, solvedAt: now, closesAt: null, closedAt: now },
      [
        statusChange(ticket.status, TicketStatus.SOLVED),
        statusChange(TicketStatus.SOLVED, TicketStatus.CLOSED),
      ],
      [],
    );
  }
  const closesAt = new Date(now.getTime() + ticket.closeAfterSolvedSeconds * 1000);
  return ok(
    { ...ticket, status: TicketStatus.SOLVED, solvedAt: now, closesAt },
    [statusChange(ticket.status, TicketStatus.SOLVED)],
    [{ type: 'SCHEDULE_CLOSE', at: closesAt }],
  );
}

/**
 * SOLVED → OPEN: counts as a reopen and cancels the scheduled close. The ticket returns to its agent
 * even above capacity, unless the agent is OFFLINE: then routing takes it (an assignee reopening
 * their own ticket is evidently at work, whatever their status says).
 */
function reopen(ticket: TicketState, actor: Actor): TransitionResult {
  const base = { ...ticket, solvedAt: null, closesAt: null, reopenCount: ticket.reopenCount + 1 };
  const cancel: TicketEffect = { type: 'CANCEL_SCHEDULED_CLOSE' };
  const byAssignee = actor.type === ActorType.AGENT && actor.id === ticket.assigneeId;
  if (!byAssignee && ticket.assigneeStatus === AgentStatus.OFFLINE) {
    return ok(
      { ...base, status: TicketStatus.NEW, assigneeId: null, assigneeStatus: null },
      [
        { kind: TicketChangeKind.REOPENED },
        statusChange(TicketStatus.SOLVED, TicketStatus.NEW),
        { kind: TicketChangeKind.ASSIGNED, agentId: null },
      ],
      [cancel, { type: 'ROUTE' }],
    );
  }
  return ok(
    { ...base, status: TicketStatus.OPEN },
    [{ kind: TicketChangeKind.REOPENED }, statusChange(TicketStatus.SOLVED, TicketStatus.OPEN)],
    [cancel],
  );
}

function endUserMessage(ticket: TicketState, actor: Actor, _now: Date): TransitionResult | TransitionRefusal {
  if (actor.type !== ActorType.INTEGRATION && actor.type !== ActorType.ADMIN) {
    return refuse('FORBIDDEN', 'End-user messages arrive through an integration');
  }
  switch (ticket.status) {
    case TicketStatus.NEW:
    case TicketStatus.OPEN:
      return ok(ticket, [], []);
    case TicketStatus.PENDING:
    case TicketStatus.ON_HOLD:
      return ok(
        { ...ticket, status: TicketStatus.OPEN },
        [statusChange(ticket.status, TicketStatus.OPEN)],
        [],
      );
    case TicketStatus.SOLVED:
      if (!reopensOnReply(ticket.styleKind)) {
        return refuse('ILLEGAL_TRANSITION', 'This conversation style does not reopen a solved ticket');
      }
      return reopen(ticket, actor);
    case TicketStatus.CLOSED:
      return refuse('ILLEGAL_TRANSITION', 'The ticket is CLOSED');
  }
}

function assign(ticket: TicketState, agentId: string, actor: Actor): TransitionResult | TransitionRefusal {
  if (actor.type !== ActorType.ADMIN) return refuse('FORBIDDEN', 'Only an admin may reassign a ticket');
  if (ticket.assigneeId === agentId) return ok(ticket, [], []);
  const changes: TicketChange[] = [];
  // An offer to someone else is withdrawn first (not that agent's refusal), so its console hears.
  if (ticket.offeredToId !== null && ticket.offeredToId !== agentId) {
    changes.push({ kind: TicketChangeKind.OFFER_DECLINED, agentId: ticket.offeredToId });
  }
  changes.push({ kind: TicketChangeKind.ASSIGNED, agentId });
  let status = ticket.status;
  if (ticket.status === TicketStatus.NEW) {
    status = TicketStatus.OPEN;
    changes.push(statusChange(TicketStatus.NEW, TicketStatus.OPEN));
  }
  return ok({ ...ticket, ...NO_OFFER, status, assigneeId: agentId, assigneeStatus: null }, changes, []);
}

/** Back to the queue. A solved ticket loses its scheduled close: it has no agent to be solved by. */
function unassign(ticket: TicketState, actor: Actor): TransitionResult | TransitionRefusal {
  if (actor.type !== ActorType.ADMIN) return refuse('FORBIDDEN', 'Only an admin may reassign a ticket');
  if (ticket.assigneeId === null && ticket.status === TicketStatus.NEW) {
    if (ticket.offeredToId === null) return ok(ticket, [], [{ type: 'ROUTE' }]);
    // Back to the queue from an offer: the offer is withdrawn (not the agent's refusal).
    return ok(
      { ...ticket, ...NO_OFFER },
      [{ kind: TicketChangeKind.OFFER_DECLINED, agentId: ticket.offeredToId }],
      [{ type: 'ROUTE' }],
    );
  }
  const changes: TicketChange[] = [{ kind: TicketChangeKind.ASSIGNED, agentId: null }];
  const effects: TicketEffect[] = [{ type: 'ROUTE' }];
  if (ticket.status !== TicketStatus.NEW) changes.push(statusChange(ticket.status, TicketStatus.NEW));
  if (ticket.status === TicketStatus.SOLVED) effects.unshift({ type: 'CANCEL_SCHEDULED_CLOSE' });
  return ok(
    {
      ...ticket,
      status: TicketStatus.NEW,
      assigneeId: null,
      assigneeStatus: null,
      solvedAt: null,
      closesAt: null,
    },
    changes,
    effects,
  );
}

/** What an OFFLINE agent holds: SOLVED tickets close on their own, so they stay. */
const RETURNED_FROM_OFFLINE: readonly TicketStatus[] = [
  TicketStatus.OPEN,
  TicketStatus.PENDING,
  TicketStatus.ON_HOLD,
];

/**
 * docs/domain.md "Presence": the changes an admin's reassignment to nobody makes, by the system,
 * and the ticket keeps its priority and its place in the queue. Unlike a transfer, the agent is not
 * left out of the ticket's routing afterwards: it did not hand the ticket on, it was away.
 */
function returnFromOffline(ticket: TicketState, actor: Actor): TransitionResult | TransitionRefusal {
  if (actor.type !== ActorType.SYSTEM) {
    return refuse('FORBIDDEN', "Only the system returns an OFFLINE agent's tickets");
  }
  if (ticket.assigneeId === null || !RETURNED_FROM_OFFLINE.includes(ticket.status)) {
    return refuse('ILLEGAL_TRANSITION', `A ${ticket.status} ticket is not returned from an OFFLINE agent`);
  }
  const changes = [
    { kind: TicketChangeKind.ASSIGNED, agentId: null },
    statusChange(ticket.status, TicketStatus.NEW),
  ];
  const next = { ...ticket, ...NO_OFFER, status: TicketStatus.NEW, assigneeId: null, assigneeStatus: null };
  return { ...ok(next, changes, [{ type: 'ROUTE' }]), keepsQueuePlace: true };
}

const TRANSFERABLE: readonly TicketStatus[] = [
  TicketStatus.NEW,
  TicketStatus.OPEN,
  TicketStatus.PENDING,
  TicketStatus.ON_HOLD,
];
const TRANSFER_TARGET_FIELD = 'input.toAgentId';

/**
 * docs/domain.md "Transfer": one TRANSFERRED change whatever it does. An offer makes the ticket NEW
 * (only NEW tickets are offered); an assignment mirrors an admin's ASSIGN (NEW becomes OPEN, PENDING
 * and ON_HOLD stay); the queue takes it NEW with nobody and asks routing. A standing offer is
 * withdrawn in the same change. An agent may hand on only to an ONLINE colleague with room by
 * routing's load rule; an admin's choice stands whatever the target's status and load.
 */
function transfer(ticket: TicketState, to: TransferTo, actor: Actor): TransitionResult | TransitionRefusal {
  const byAdmin = actor.type === ActorType.ADMIN;
  const byAssignee =
    actor.type === ActorType.AGENT && actor.id !== undefined && actor.id === ticket.assigneeId;
  if (!byAdmin && !byAssignee) {
    return refuse('FORBIDDEN', "Only the ticket's assignee or an admin may transfer it");
  }
  if (!TRANSFERABLE.includes(ticket.status)) {
    return refuse(
      'ILLEGAL_TRANSITION',
      `A ${ticket.status} ticket is not transferred; only NEW, OPEN, PENDING or ON_HOLD ones are`,
    );
  }
  if (to.kind === 'QUEUE') {
    if (ticket.status === TicketStatus.NEW && ticket.offeredToId === null) {
      return refuse('ILLEGAL_TRANSITION', 'The ticket is already waiting in the queue');
    }
  } else {
    const refusal = targetRefusal(ticket, to.agent, byAdmin);
    if (refusal) return refusal;
  }
  const unassigned = { assigneeId: null, assigneeStatus: null } as const;
  let next: TicketState;
  switch (to.kind) {
    case 'QUEUE':
      next = { ...ticket, ...NO_OFFER, ...unassigned, status: TicketStatus.NEW };
      break;
    case 'OFFER':
      next = {
        ...ticket,
        ...unassigned,
        status: TicketStatus.NEW,
        offeredToId: to.agent.id,
        offerExpiresAt: to.expiresAt,
      };
      break;
    case 'ASSIGN':
      next = {
        ...ticket,
        ...NO_OFFER,
        status: ticket.status === TicketStatus.NEW ? TicketStatus.OPEN : ticket.status,
        assigneeId: to.agent.id,
        assigneeStatus: null,
      };
      break;
  }
  return ok(
    next,
    [
      {
        kind: TicketChangeKind.TRANSFERRED,
        agentId: to.kind === 'QUEUE' ? null : to.agent.id,
        // Always both: the log's folds read the outcome from them (transferredAs).
        fromStatus: ticket.status,
        toStatus: next.status,
      },
    ],
    // A ticket that held no load (PENDING, ON_HOLD, waiting) frees none, so the queue asks itself.
    to.kind === 'QUEUE' ? [{ type: 'ROUTE' }] : [],
  );
}

function targetRefusal(
  ticket: TicketState,
  target: TransferTarget,
  byAdmin: boolean,
): TransitionRefusal | null {
  const bad = (reason: string): TransitionRefusal => ({
    ok: false,
    code: 'BAD_USER_INPUT',
    reason,
    field: TRANSFER_TARGET_FIELD,
  });
  if (target.id === ticket.assigneeId) return bad("input.toAgentId is already the ticket's assignee");
  if (target.id === ticket.offeredToId) return bad('input.toAgentId is already offered the ticket');
  if (byAdmin) return null;
  if (target.status !== AgentStatus.ONLINE) {
    return bad(`input.toAgentId is ${target.status}; an agent transfers only to an ONLINE colleague`);
  }
  if (target.load >= target.capacity) {
    return bad(
      `input.toAgentId is at capacity (load ${target.load} of ${target.capacity}); only an admin transfers beyond it`,
    );
  }
  return null;
}

/**
 * One TICKET_UPDATED change when something differs (nothing at all otherwise). A waiting ticket
 * (NEW, offered to nobody) is routed again: its skills or place in the queue may now place it. An
 * offer that stands is left to run its course, even if its agent no longer has every skill: it
 * lasts seconds, and withdrawing it would take the ticket from an agent who may be answering.
 */
function update(ticket: TicketState, changed: boolean, actor: Actor): TransitionResult | TransitionRefusal {
  const byAssignee =
    actor.type === ActorType.AGENT && actor.id !== undefined && actor.id === ticket.assigneeId;
  if (actor.type !== ActorType.ADMIN && !byAssignee) {
    return refuse('FORBIDDEN', "Only the ticket's assignee or an admin may update it");
  }
  if (!changed) return ok(ticket, [], []);
  const waiting =
    ticket.status === TicketStatus.NEW && ticket.assigneeId === null && ticket.offeredToId === null;
  return ok(ticket, [{ kind: TicketChangeKind.TICKET_UPDATED }], waiting ? [{ type: 'ROUTE' }] : []);
}

/** Closes only the solve the job was scheduled for, and only once it is due. */
function closeDue(
  ticket: TicketState,
  solvedAt: Date,
  actor: Actor,
  now: Date,
): TransitionResult | TransitionRefusal {
  if (actor.type !== ActorType.SYSTEM) return refuse('FORBIDDEN', 'Only the system closes tickets');
  if (ticket.status !== TicketStatus.SOLVED || ticket.solvedAt?.getTime() !== solvedAt.getTime()) {
    return refuse('ILLEGAL_TRANSITION', 'The ticket is no longer SOLVED from that solve');
  }
  if (ticket.closesAt === null || ticket.closesAt.getTime() > now.getTime()) {
    return refuse('ILLEGAL_TRANSITION', 'The ticket is not due to close yet');
  }
  return ok(
    { ...ticket, status: TicketStatus.CLOSED, closesAt: null, closedAt: now },
    [statusChange(TicketStatus.SOLVED, TicketStatus.CLOSED)],
    [],
  );
}

function statusChange(fromStatus: TicketStatus, toStatus: TicketStatus): TicketChange {
  return { kind: TicketChangeKind.STATUS_CHANGED, fromStatus, toStatus };
}

function ok(next: TicketState, changes: TicketChange[], effects: TicketEffect[]): TransitionResult {
  return { ok: true, next, changes, effects };
}
