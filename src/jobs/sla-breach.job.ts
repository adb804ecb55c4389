import type { Job } from 'agenda';
import type { Services } from '../services/services.factory';
import type { SlaBreachJobData } from './job-names';

/** Breaches the ticket's targets that are due and not yet breached; nothing when none is. */
export function slaBreachJob(services: Services) {
  return async (job: Job<SlaBreachJobData>): Promise<void> => {
    await services.sla.checkDue(job.attrs.data.ticketId);
  };
}
