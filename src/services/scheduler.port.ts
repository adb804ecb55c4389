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

/** Turns a committed transition's effects into scheduler requests (never fails the caller). */
export async function scheduleEffects(
  scheduler: AutomationScheduler,
  ticket: { id: string; solvedAt: Date | null },
  effects: readonly { type: string; at?: Date }[],
  onError: (err: unknown) => void,
): Promise<void> {
  try {
    for (const effect of effects) {
      if (effect.type === 'SCHEDULE_CLOSE' && effect.at && ticket.solvedAt) {
        await scheduler.scheduleClose(ticket.id, ticket.solvedAt, effect.at);
      } else if (effect.type === 'CANCEL_SCHEDULED_CLOSE') {
        await scheduler.cancelClose(ticket.id);
      }
    }
  } catch (err) {
    onError(err);
  }
}
