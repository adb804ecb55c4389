export const CLOSE_TICKET_JOB = 'close-ticket';
export const EXPIRE_OFFER_JOB = 'expire-offer';
export const SWEEP_JOB = 'sweep';
export const SLA_BREACH_JOB = 'sla-breach';
export const AGENT_AWAY_JOB = 'agent-away';
export const REASSIGN_OFFLINE_JOB = 'reassign-offline';

export interface CloseTicketJobData {
  ticketId: string;
  /** ISO time of the solve this close belongs to: a reopen and re-solve makes it stale. */
  solvedAt: string;
}

export interface ExpireOfferJobData {
  ticketId: string;
  agentId: string;
}

/** docs/domain.md "Presence": the agent is looked at when the job runs; the job carries no verdict. */
export interface AgentPresenceJobData {
  agentId: string;
}

/** docs/domain.md "SLA": the ticket is looked at when the job runs; its stored due times decide. */
export interface SlaBreachJobData {
  ticketId: string;
}
