/**
 * What services ask of the scheduler: run an automation at a time. The scheduler (Agenda) is an
 * adapter; services only state intent, after their transaction commits. A lost or failed request
 * costs nothing but timeliness: the sweep finds every overdue close and offer.
 */
export interface AutomationScheduler {
  scheduleClose(ticketId: string, solvedAt: Date, at: Date): Promise<void>;
  cancelClose(ticketId: string): Promise<void>;
  scheduleOfferExpiry(ticketId: string, agentId: string, at: Date): Promise<void>;
}
