/**
 * What services report for monitoring. The Prometheus registry (observability/metrics.registry.ts)
 * is an adapter; services only say what happened, so they stay free of any metrics library.
 */
export interface ServiceMetrics {
  /** One routing run ended (placed tickets or not, failed or not), after `seconds`. */
  routingRun(seconds: number): void;
  /**
   * One webhook attempt ended after `seconds`: DELIVERED (2xx), RETRY (failed, due again later) or
   * GAVE_UP (failed, no attempt left).
   */
  webhookAttempt(outcome: WebhookAttemptOutcome, seconds: number): void;
}

export type WebhookAttemptOutcome = 'DELIVERED' | 'RETRY' | 'GAVE_UP';

/** For services built without monitoring (unit tests, scripts). */
export const noServiceMetrics: ServiceMetrics = {
  routingRun: () => undefined,
  webhookAttempt: () => undefined,
};
