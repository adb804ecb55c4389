import type { Job } from 'agenda';
import type { Services } from '../services/services.factory';
import type { CloseTicketJobData } from './job-names';

/** Closes the ticket if it is still SOLVED from the same solve (the service checks, under a lock). */
export function closeTicketJob(services: Services) {
  return async (job: Job<CloseTicketJobData>): Promise<void> => {
    const { ticketId, solvedAt } = job.attrs.data;
    await services.tickets.closeDue(ticketId, new Date(solvedAt));
  };
}
