import type { EntityManager } from '@mikro-orm/postgresql';
import type { WebhookConfig } from '../../config/config';
import type { Clock } from '../../domain/clock';
import type { RandomSource } from '../../domain/webhook/webhook-retry';
import type { TicketEventBus } from '../../events/ticket-event.bus';
import type { Logger } from '../../observability/logger';
import { noServiceMetrics, type ServiceMetrics } from '../metrics.port';
import { pendingCount, pruneDelivered, queryIn } from './webhook-delivery.store';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookHttpClient } from './webhook-http';
import {
  DEFAULT_SENDER_LIMITS,
  disableFailingEndpoints,
  WebhookSender,
  type SenderLimits,
} from './webhook-sender';

// Wake-ups are a shortcut (this process's tail, a slot freed, a retry's timer); this poll is the
// guarantee: another process's deliveries, a lease run out, a wake-up missed.
const POLL_MS = 1_000;
const PRUNE_BATCH = 1_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface WebhookDeliveryDeps {
  em: EntityManager;
  clock: Clock;
  logger: Logger;
  events: TicketEventBus;
  config: WebhookConfig;
  metrics?: ServiceMetrics;
  limits?: Partial<SenderLimits>;
  random?: RandomSource;
  /** Attachment.url, signed when a delivery is sent (AttachmentService.link). */
  attachmentUrl: (attachmentId: string) => string;
}

/**
 * Outbound webhooks in this process (docs/domain.md "Outbound delivery to partners"; the path of a
 * change in ARCHITECTURE.md): the dispatcher turns changes into deliveries, the sender sends them,
 * and the sweep's upkeep prunes and disables. Started and stopped with the app.
 */
export class WebhookDeliveryEngine {
  private readonly dispatcher: WebhookDispatcher;
  private readonly sender: WebhookSender;
  private readonly http: WebhookHttpClient;
  private poll: NodeJS.Timeout | null = null;
  private unwatch: (() => void) | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly deps: WebhookDeliveryDeps) {
    const { em, clock, logger, events, config } = deps;
    this.http = new WebhookHttpClient(config, config.timeoutMs);
    this.sender = new WebhookSender({
      em,
      clock,
      logger,
      config,
      http: this.http,
      metrics: deps.metrics ?? noServiceMetrics,
      limits: { ...DEFAULT_SENDER_LIMITS, ...deps.limits },
      random: deps.random ?? Math.random,
      attachmentUrl: deps.attachmentUrl,
    });
    this.dispatcher = new WebhookDispatcher({
      em,
      clock,
      logger,
      upTo: () => events.published(),
      onDeliveries: () => this.sender.wake(),
    });
  }

  /** Follows the event stream (after the bus has started) and sends what is due. */
  start(): void {
    if (this.stopping || this.poll) return;
    // Once per batch the tail publishes, after the position has moved past all of it.
    this.unwatch = this.deps.events.onPublished(() => this.dispatcher.wake('changes'));
    this.poll = setInterval(() => {
      this.dispatcher.wake('poll');
      this.sender.wake();
    }, POLL_MS);
    this.poll.unref();
    this.dispatcher.wake('poll');
    this.sender.wake();
  }

  /** Stops following and claiming; requests in flight finish (up to their timeout) or are released. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.poll) clearInterval(this.poll);
      this.poll = null;
      this.unwatch?.();
      await this.dispatcher.stop();
      await this.sender.stop();
      await this.http
        .close()
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'could not close webhook connections'));
    })();
    return this.stopping;
  }

  /**
   * The sweep's part (jobs/sweep.job.ts): delivered deliveries past the retention are deleted, in
   * batches; endpoints whose deliveries have all given up for 24 h are disabled.
   */
  async upkeep(): Promise<{ pruned: number; disabled: number }> {
    const { em, clock, config } = this.deps;
    const cutoff = new Date(clock.now().getTime() - config.retentionDays * DAY_MS);
    let pruned = 0;
    for (;;) {
      const batch = await pruneDelivered(queryIn(em.fork()), cutoff, PRUNE_BATCH);
      pruned += batch;
      if (batch < PRUNE_BATCH) break;
    }
    const disabled = await disableFailingEndpoints(em, clock, null);
    return { pruned, disabled };
  }

  /** Deliveries not yet delivered nor given up (for /metrics). */
  pendingCount(): Promise<number> {
    return pendingCount(queryIn(this.deps.em.fork()));
  }
}
