import type { OperationTypeNode } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../domain/clock';
import type { ServiceMetrics, WebhookAttemptOutcome } from '../services/metrics.port';
import type { Logger } from './logger';
import { RepeatFilter } from './repeat-filter';

export type OperationType = `${OperationTypeNode}`;

/** The label of every operation without a name: one series however many clients send them. */
export const ANONYMOUS_OPERATION = 'anonymous';
/** The label of names past MAX_OPERATION_NAMES: a client cannot grow the series without bound. */
export const OTHER_OPERATION = 'other';
export const MAX_OPERATION_NAMES = 100;

// A scrape must answer within Prometheus's scrape timeout (10 s by default) whatever the database does.
const QUEUE_DEADLINE_MS = 1_500;

/** What the queue gauges read at scrape time (RoutingService.queueStats()). */
export interface QueueFigures {
  waiting: number;
  oldestWaitingSince: Date | null;
}

export interface MetricsSources {
  webSocket: () => { connections: number; subscriptions: number };
  queue: () => Promise<QueueFigures>;
  /**
   * When the oldest change committed but not yet delivered by this process was made (null: caught
   * up with the log).
   */
  undeliveredSince: () => Promise<Date | null>;
  /** False while the database is away: the queue gauges then keep their last values. */
  databaseAvailable: () => boolean;
  /** Webhook deliveries not yet delivered nor given up (absent: the gauge stays 0). */
  webhookBacklog?: () => Promise<number>;
}

/**
 * One Prometheus registry per app, never prom-client's global one: several apps may live in one
 * process (tests), and each must report only its own figures. Served by http/metrics.routes.ts.
 */
export class ParleyMetrics implements ServiceMetrics {
  readonly registry = new Registry();
  private readonly operationDuration: Histogram<'operation_type' | 'operation_name'>;
  private readonly routingRunDuration: Histogram;
  private readonly jobLateness: Histogram<'job'>;
  private readonly queueWaiting: Gauge;
  private readonly queueOldestWait: Gauge;
  private readonly streamLag: Gauge;
  private readonly webhookAttempts: Counter<'outcome'>;
  private readonly webhookAttemptDuration: Histogram<'outcome'>;
  private readonly webhookPending: Gauge;
  private readonly operationNames = new Set<string>();
  private sources: MetricsSources | undefined;
  // While the database is slow every scrape fails the same way: one line a minute.
  private readonly queueFailures = new RepeatFilter(60_000);

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.operationDuration = new Histogram({
      name: 'parley_graphql_operation_duration_seconds',
      help: 'GraphQL operations (HTTP and WebSocket) from receipt to result; a subscription until it is set up',
      labelNames: ['operation_type', 'operation_name'],
      registers,
    });
    this.routingRunDuration = new Histogram({
      name: 'parley_routing_run_duration_seconds',
      help: 'Routing runs (lock, load, pick, claim, commit), failed ones included',
      registers,
    });
    this.jobLateness = new Histogram({
      name: 'parley_job_lateness_seconds',
      help: 'How long after its due time a scheduled job started',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers,
    });
    const connections: Gauge = new Gauge({
      name: 'parley_websocket_connections',
      help: 'Open WebSocket connections, authenticated or not yet',
      registers,
      collect: () => connections.set(this.sources?.webSocket().connections ?? 0),
    });
    const subscriptions: Gauge = new Gauge({
      name: 'parley_subscriptions',
      help: 'Active GraphQL subscriptions over WebSocket',
      registers,
      collect: () => subscriptions.set(this.sources?.webSocket().subscriptions ?? 0),
    });
    // Set by scrape() before the registry is read: both come from one query.
    this.queueWaiting = new Gauge({
      name: 'parley_queue_waiting_tickets',
      help: 'Tickets waiting for an agent',
      registers,
    });
    this.queueOldestWait = new Gauge({
      name: 'parley_queue_oldest_wait_seconds',
      help: 'How long the longest-waiting ticket has waited (0 when none waits)',
      registers,
    });
    this.streamLag = new Gauge({
      name: 'parley_event_stream_lag_seconds',
      help: 'How long ago the oldest ticket change committed but not yet delivered by this process was made (0 when caught up)',
      registers,
    });
    this.webhookAttempts = new Counter({
      name: 'parley_webhook_deliveries_total',
      help: 'Webhook attempts by outcome: DELIVERED (2xx), RETRY (failed, due again later), GAVE_UP (failed, no attempt left)',
      labelNames: ['outcome'],
      registers,
    });
    this.webhookAttemptDuration = new Histogram({
      name: 'parley_webhook_attempt_duration_seconds',
      help: "Webhook attempts from the request's start to its answer, failure or timeout",
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    // Set by scrape() with the other figures read from the database.
    this.webhookPending = new Gauge({
      name: 'parley_webhook_pending_deliveries',
      help: 'Webhook deliveries not yet delivered nor given up, in every process',
      registers,
    });
  }

  /** The parts of the app the gauges read at scrape time (they exist only after the metrics do). */
  watch(sources: MetricsSources): void {
    this.sources = sources;
  }

  /**
   * `learn`: whether a name not yet seen may take one of the MAX_OPERATION_NAMES places. Only
   * authenticated callers' names do, so a stranger cannot push the operators' own names into "other".
   */
  observeOperation(
    type: OperationType,
    name: string | null | undefined,
    seconds: number,
    learn: boolean,
  ): void {
    this.operationDuration.observe(
      { operation_type: type, operation_name: this.operationLabel(name, learn) },
      seconds,
    );
  }

  routingRun(seconds: number): void {
    this.routingRunDuration.observe(seconds);
  }

  webhookAttempt(outcome: WebhookAttemptOutcome, seconds: number): void {
    this.webhookAttempts.inc({ outcome });
    this.webhookAttemptDuration.observe({ outcome }, seconds);
  }

  jobStarted(job: string, latenessSeconds: number): void {
    // A job locked ahead starts on a timer, which may fire a millisecond early.
    this.jobLateness.observe({ job }, Math.max(0, latenessSeconds));
  }

  /** The text exposition, with the queue gauges brought up to date first when the database answers. */
  async scrape(): Promise<string> {
    await this.refreshFromDatabase();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private secondsSince(since: Date | null): number {
    return since ? Math.max(0, (this.clock.now().getTime() - since.getTime()) / 1000) : 0;
  }

  private operationLabel(name: string | null | undefined, learn: boolean): string {
    if (!name) return ANONYMOUS_OPERATION;
    if (this.operationNames.has(name)) return name;
    if (!learn || this.operationNames.size >= MAX_OPERATION_NAMES) return OTHER_OPERATION;
    this.operationNames.add(name);
    return name;
  }

  /** Never fails the scrape: a database that is away or slow leaves the last figures in place. */
  private async refreshFromDatabase(): Promise<void> {
    const sources = this.sources;
    if (!sources?.databaseAvailable()) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const [figures, undeliveredSince, webhookPending] = await Promise.race([
        Promise.all([sources.queue(), sources.undeliveredSince(), sources.webhookBacklog?.() ?? 0]),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the database figures took over ${QUEUE_DEADLINE_MS} ms`)),
            QUEUE_DEADLINE_MS,
          );
        }),
      ]);
      this.queueWaiting.set(figures.waiting);
      this.queueOldestWait.set(this.secondsSince(figures.oldestWaitingSince));
      this.streamLag.set(this.secondsSince(undeliveredSince));
      this.webhookPending.set(webhookPending);
    } catch (err) {
      if (this.queueFailures.fresh(err))
        this.logger.warn({ err }, 'database figures for /metrics could not be read; kept the last ones');
    } finally {
      clearTimeout(timer);
    }
  }
}
