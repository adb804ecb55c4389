import type { Logger } from '../observability/logger';
import type { Services } from '../services/services.factory';

/**
 * Closes every overdue SOLVED ticket and expires every overdue offer, so that a lost job, or a
 * server that was down at the due time, loses nothing; prunes delivered webhook deliveries past
 * their retention and disables endpoints failing for 24 h; removes uploads never attached within
 * their window, with their bytes. Idempotent: safe in several processes.
 */
export function sweepJob(services: Services, logger: Logger) {
  return async (): Promise<void> => {
    const closed = await services.tickets.closeOverdue();
    const expired = await services.offers.expireOverdueOffers();
    if (closed > 0 || expired > 0) logger.info({ closed, expired }, 'sweep caught overdue automations');
    const webhooks = await services.webhookDelivery.upkeep();
    if (webhooks.pruned > 0 || webhooks.disabled > 0)
      logger.info(webhooks, 'sweep pruned webhook deliveries or disabled failing endpoints');
    const uploads = await services.attachments.removeExpired();
    if (uploads > 0) logger.info({ uploads }, 'sweep removed uploads never attached');
  };
}
