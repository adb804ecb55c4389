export enum TicketStatus {
  NEW = 'NEW',
  OPEN = 'OPEN',
  PENDING = 'PENDING',
  ON_HOLD = 'ON_HOLD',
  SOLVED = 'SOLVED',
  CLOSED = 'CLOSED',
}

/** Queue order: URGENT first (docs/domain.md "Routing"). */
export enum TicketPriority {
  LOW = 'LOW',
  NORMAL = 'NORMAL',
  HIGH = 'HIGH',
  URGENT = 'URGENT',
}

export enum AuthorType {
  END_USER = 'END_USER',
  AGENT = 'AGENT',
  SYSTEM = 'SYSTEM',
}

/** What a ticket event records; the contract's TicketChangeKind. */
export enum TicketChangeKind {
  CREATED = 'CREATED',
  OFFERED = 'OFFERED',
  OFFER_DECLINED = 'OFFER_DECLINED',
  OFFER_EXPIRED = 'OFFER_EXPIRED',
  ASSIGNED = 'ASSIGNED',
  STATUS_CHANGED = 'STATUS_CHANGED',
  REOPENED = 'REOPENED',
  MESSAGE_ADDED = 'MESSAGE_ADDED',
  /** The partner reported a receipt for an agent's message (docs/domain.md "Delivery receipts"). */
  MESSAGE_UPDATED = 'MESSAGE_UPDATED',
  /**
   * The assignee or an admin handed the ticket on (docs/domain.md "Transfer"): offered or assigned to
   * the change's agent, or (no agent) back to the queue.
   */
  TRANSFERRED = 'TRANSFERRED',
  /**
   * The assignee or an admin changed the ticket's priority or skills (updateTicket, docs/domain.md
   * "Skills timeout"). The ticket's state after it says what they are now.
   */
  TICKET_UPDATED = 'TICKET_UPDATED',
  /**
   * The system found one of the ticket's SLA targets missed at its due time (docs/domain.md "SLA");
   * the ticket's `sla.breached` names it. At most one per target and ticket.
   */
  SLA_BREACHED = 'SLA_BREACHED',
}

/** Who made a change, for the event log. End users act through their channel's integration. */
export enum ActorType {
  AGENT = 'AGENT',
  INTEGRATION = 'INTEGRATION',
  ADMIN = 'ADMIN',
  SYSTEM = 'SYSTEM',
}

export interface Actor {
  readonly type: ActorType;
  /** The agent's or the channel's id; absent for ADMIN and SYSTEM. */
  readonly id?: string;
}

export const SYSTEM_ACTOR: Actor = { type: ActorType.SYSTEM };
