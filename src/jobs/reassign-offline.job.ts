import type { Job } from 'agenda';
import type { Services } from '../services/services.factory';
import type { AgentPresenceJobData } from './job-names';

/** Returns the agent's held tickets to the queue if, when this runs, it has been OFFLINE long enough. */
export function reassignOfflineJob(services: Services) {
  return async (job: Job<AgentPresenceJobData>): Promise<void> => {
    await services.presence.returnTicketsIfDue(job.attrs.data.agentId);
  };
}
