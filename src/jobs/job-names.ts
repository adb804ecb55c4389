export const CLOSE_TICKET_JOB = 'close-ticket';
export const EXPIRE_OFFER_JOB = 'expire-offer';
export const SWEEP_JOB = 'sweep';

export interface CloseTicketJobData {
  ticketId: string;
  /** ISO time of the solve this close belongs to: a reopen and re-solve makes it stale. */
  solvedAt: string;
}

export interface ExpireOfferJobData {
  ticketId: string;
  agentId: string;
}
