import type { Logger } from '../observability/logger';
import type { Services } from '../services/services.factory';

/**
 * Closes every overdue SOLVED ticket and expires every overdue offer, so that a lost job, or a
 * server that was down at the due time, loses nothing; sets AWAY the agents overdue for it and
 * returns the tickets of agents OFFLINE too long (docs/domain.md "Presence"); records SLA targets
 * missed at a due time no job caught (docs/domain.md "SLA"); routes the queue when some waiting
 * ticket's optional skills have lapsed (docs/domain.md "Skills timeout"); prunes delivered webhook
 * deliveries past their retention and disables endpoints failing for 24 h; removes uploads never
 * attached within their window, with their bytes. Idempotent: safe in several processes.
 */
export function sweepJob(services: Services, logger: Logger) {
  return async (): Promise<void> => {
    const closed = await services.tickets.closeOverdue();
    const expired = await services.offers.expireOverdueOffers();
    if (closed > 0 || expired > 0) logger.info({ closed, expired }, 'sweep caught overdue automations');
    // A run's own wake-up for the next lapse dies with its process; this catches what it missed.
    await services.routing.routeLapsedSkills();
    const webhooks = await services.webhookDelivery.upkeep();
    if (webhooks.pruned > 0 || webhooks.disabled > 0)
      logger.info(webhooks, 'sweep pruned webhook deliveries or disabled failing endpoints');
    const away = await services.presence.awayOverdue();
    const returned = await services.presence.returnOverdue();
    if (away > 0 || returned > 0) logger.info({ away, returned }, 'sweep caught overdue presence checks');
    const breached = await services.sla.breachOverdue();
    if (breached > 0) logger.info({ breached }, 'sweep caught overdue SLA targets');
    const uploads = await services.attachments.removeExpired();
    if (uploads > 0) logger.info({ uploads }, 'sweep removed uploads never attached');
  };
}
