/**
 * What services ask of the scheduler: run an automation at a time. The scheduler (Agenda) is an
 * adapter; services only state intent, after their transaction commits. A lost or failed request
 * costs nothing but timeliness: the sweep finds every overdue close, offer and SLA target.
 */
export interface AutomationScheduler {
  scheduleClose(ticketId: string, solvedAt: Date, at: Date): Promise<void>;
  cancelClose(ticketId: string): Promise<void>;
  scheduleOfferExpiry(ticketId: string, agentId: string, at: Date): Promise<void>;
  /** docs/domain.md "SLA": look at the ticket's targets then (one job per ticket, a later request replacing it). */
  scheduleSlaCheck(ticketId: string, at: Date): Promise<void>;
  /** docs/domain.md "Presence": look at the agent then (one job per agent, a later request replacing it). */
  scheduleAgentAway(agentId: string, at: Date): Promise<void>;
  scheduleOfflineReturn(agentId: string, at: Date): Promise<void>;
}
