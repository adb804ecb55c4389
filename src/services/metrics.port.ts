/**
 * What services report for monitoring. The Prometheus registry (observability/metrics.registry.ts)
 * is an adapter; services only say what happened, so they stay free of any metrics library.
 */
export interface ServiceMetrics {
  /** One routing run ended (placed tickets or not, failed or not), after `seconds`. */
  routingRun(seconds: number): void;
}

/** For services built without monitoring (unit tests, scripts). */
export const noServiceMetrics: ServiceMetrics = { routingRun: () => undefined };
