import type { Job } from 'agenda';
import type { Services } from '../services/services.factory';
import type { ExpireOfferJobData } from './job-names';

/** Ends the offer if it is still the one this job was made for and it is due. */
export function expireOfferJob(services: Services) {
  return async (job: Job<ExpireOfferJobData>): Promise<void> => {
    const { ticketId, agentId } = job.attrs.data;
    await services.offers.expireOffer(ticketId, undefined, agentId);
  };
}
