import type { Job } from 'agenda';
import type { Services } from '../services/services.factory';
import type { AgentPresenceJobData } from './job-names';

/** Sets the agent AWAY if, when this runs, it still has no socket and the wait has run out. */
export function agentAwayJob(services: Services) {
  return async (job: Job<AgentPresenceJobData>): Promise<void> => {
    await services.presence.awayIfDue(job.attrs.data.agentId);
  };
}
