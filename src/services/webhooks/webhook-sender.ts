import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookConfig } from '../../config/config';
import type { Clock } from '../../domain/clock';
import { webhookBody, webhookEventId } from '../../domain/webhook/webhook-document';
import {
  afterFailedAttempt,
  failingCutoff,
  failingDisabledReason,
  type RandomSource,
} from '../../domain/webhook/webhook-retry';
import { SIGNATURE_HEADER, signatureHeader, signingSecrets } from '../../domain/webhook/webhook-signature';
import type { Logger } from '../../observability/logger';
import { RepeatFilter } from '../../observability/repeat-filter';
import type { ServiceMetrics } from '../metrics.port';
import {
  claimDueDeliveries,
  disableEndpoint,
  endpointsFailingSince,
  queryIn,
  recordAttempt,
  releaseLeases,
  type AttemptRecord,
  type ClaimedDelivery,
  type Recorded,
} from './webhook-delivery.store';
import type { WebhookHttpClient } from './webhook-http';

export const USER_AGENT = 'Parley-Webhooks';

export interface SenderLimits {
  /** Requests in flight in this process, all endpoints together. */
  maxInFlight: number;
  /** Requests in flight in this process to one endpoint: a slow endpoint holds at most these. */
  maxInFlightPerEndpoint: number;
}

export const DEFAULT_SENDER_LIMITS: SenderLimits = { maxInFlight: 64, maxInFlightPerEndpoint: 8 };

// A lease outlives the request's own deadline by this much: time to record the answer.
const LEASE_MARGIN_MS = 5_000;
const FAILED_MIN_MS = 100;
const FAILED_MAX_MS = 5_000;

/**
 * Sends due deliveries (docs/domain.md "Outbound delivery to partners"). A claim leases deliveries
 * in one statement and commits; each is then POSTed, and its answer recorded in one statement that
 * writes only while the lease is still this claim's. Deliveries are in flight in one process at a
 * time (the lease), and sent again only once a lease has run out (its process died, or could not
 * record): at least once, never lost. Requests in flight are capped per process and per endpoint,
 * so a slow endpoint holds only its own share; the claim skips a ticket with an earlier change
 * still pending, so a failing ticket holds only itself.
 */
export class WebhookSender {
  private readonly inFlightByEndpoint = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();
  /** Lease owners of claims with a request still in flight (released at a stop that cannot wait). */
  private readonly liveClaims = new Map<string, number>();
  private inFlight = 0;
  /** The last claim took all it could: a slot freed anywhere may let more go. */
  private saturated = false;
  /** Endpoints at their cap after the last claim: a slot of theirs freed may let more go. */
  private readonly capped = new Set<string>();
  private claiming = false;
  private claimRun: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private dueTimer: NodeJS.Timeout | null = null;
  private dueTimerAt = Infinity;
  private failedDelayMs = 0;
  private readonly repeats = new RepeatFilter(60_000);

  constructor(
    private readonly options: {
      em: EntityManager;
      clock: Clock;
      logger: Logger;
      config: WebhookConfig;
      http: WebhookHttpClient;
      metrics: ServiceMetrics;
      limits: SenderLimits;
      random: RandomSource;
      /** Attachment.url for a delivery's attachments, signed when it is sent. */
      attachmentUrl: (attachmentId: string) => string;
    },
  ) {}

  /** Claims what is due, now or as soon as the claim in progress ends. */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    this.claimRun = this.claimLoop();
  }

  /**
   * No new claims; requests in flight may finish (each ends by its own timeout) and are recorded.
   * Any still going after that are abandoned and their leases released, so another process sends
   * them at once rather than when the leases run out.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.retryTimer, this.dueTimer]) if (timer) clearTimeout(timer);
    this.retryTimer = this.dueTimer = null;
    // A claim under way still starts its requests: they are waited for with the rest.
    await this.claimRun;
    const patience = new AbortController();
    const waited = await Promise.race([
      Promise.all(this.sends).then(() => true),
      sleep(this.options.config.timeoutMs + 1_000, false, { signal: patience.signal }).catch(() => true),
    ]);
    patience.abort();
    if (!waited) {
      this.options.http.abortAll();
      const owners = [...this.liveClaims.keys()];
      await releaseLeases(queryIn(this.options.em.fork()), owners).catch((err: unknown) =>
        this.options.logger.warn(
          { err },
          'could not release webhook leases at stop; they run out by themselves',
        ),
      );
    }
  }

  private async claimLoop(): Promise<void> {
    try {
      do {
        this.again = false;
        while (!this.stopped) {
          const free = this.options.limits.maxInFlight - this.inFlight;
          this.saturated = free <= 0;
          if (this.saturated) break;
          const cappedBefore = this.capped.size;
          const claimed = await this.claim(free);
          this.saturated = claimed.length === free;
          // Claim again when this one filled a slot limit: the next one looks past what it capped.
          if (!this.saturated && this.capped.size === cappedBefore) break;
        }
      } while (this.again && !this.stopped);
      this.failedDelayMs = 0;
    } catch (err) {
      this.failedDelayMs = Math.min(FAILED_MAX_MS, Math.max(FAILED_MIN_MS, this.failedDelayMs * 2));
      if (this.repeats.fresh(err)) {
        this.options.logger.warn(
          { err, retryInMs: this.failedDelayMs },
          'could not claim webhook deliveries; retrying',
        );
      }
      if (!this.stopped && !this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.wake();
        }, this.failedDelayMs);
        this.retryTimer.unref();
      }
    } finally {
      this.claiming = false;
    }
  }

  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const { clock, config, limits, em } = this.options;
    const now = clock.now();
    const leaseOwner = randomUUID();
    const claimed = await claimDueDeliveries(queryIn(em.fork()), {
      now,
      leaseOwner,
      leaseUntil: new Date(now.getTime() + config.timeoutMs + LEASE_MARGIN_MS),
      limit,
      perEndpoint: limits.maxInFlightPerEndpoint,
      inFlight: this.inFlightByEndpoint,
    });
    if (claimed.length > 0) this.liveClaims.set(leaseOwner, claimed.length);
    this.capped.clear();
    for (const delivery of claimed) {
      this.inFlight++;
      this.inFlightByEndpoint.set(
        delivery.endpointId,
        (this.inFlightByEndpoint.get(delivery.endpointId) ?? 0) + 1,
      );
      const send: Promise<void> = this.attempt(delivery, leaseOwner)
        .catch((err: unknown) => {
          // Not expected: the lease runs out and the delivery is sent again.
          this.options.logger.error(
            { err, deliveryId: delivery.id },
            'a webhook attempt failed unexpectedly',
          );
          return false;
        })
        .then((unblocked) => {
          this.sends.delete(send);
          this.inFlight--;
          const left = (this.inFlightByEndpoint.get(delivery.endpointId) ?? 1) - 1;
          if (left > 0) this.inFlightByEndpoint.set(delivery.endpointId, left);
          else this.inFlightByEndpoint.delete(delivery.endpointId);
          const claimLeft = (this.liveClaims.get(leaseOwner) ?? 1) - 1;
          if (claimLeft > 0) this.liveClaims.set(leaseOwner, claimLeft);
          else this.liveClaims.delete(leaseOwner);
          // Only what may have waited for this: a slot, or the ticket's next change.
          if (unblocked || this.saturated || this.capped.has(delivery.endpointId)) this.wake();
        });
      this.sends.add(send);
    }
    for (const [endpointId, n] of this.inFlightByEndpoint) {
      if (n >= limits.maxInFlightPerEndpoint) this.capped.add(endpointId);
    }
    return claimed;
  }

  /**
   * One attempt: sign, POST, record. Never rejects; answers whether the ticket's next change was
   * waiting for this one.
   */
  private async attempt(delivery: ClaimedDelivery, leaseOwner: string): Promise<boolean> {
    const { clock, http, metrics, config, random, attachmentUrl } = this.options;
    const sentAt = clock.now();
    const body = webhookBody(delivery.change, attachmentUrl);
    const started = performance.now();
    const response = await http.post({
      url: delivery.url,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(
          signingSecrets(delivery.secrets, sentAt),
          sentAt,
          body,
        ),
        'parley-event-id': webhookEventId(delivery.change.position),
        'parley-delivery-id': delivery.id,
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const at = clock.now();
    let record: AttemptRecord;
    if (response.ok) {
      record = { outcome: 'DELIVERED', at, responseStatus: response.status };
    } else {
      const next = afterFailedAttempt(delivery.attempts + 1, config, at, random);
      record = {
        outcome: 'FAILED',
        at,
        responseStatus: response.status,
        error: response.error,
        nextAttemptAt: next.nextAttemptAt,
      };
    }
    const outcome = response.ok
      ? 'DELIVERED'
      : record.outcome === 'FAILED' && record.nextAttemptAt
        ? 'RETRY'
        : 'GAVE_UP';
    metrics.webhookAttempt(outcome, seconds);
    const recorded = await this.record(delivery, leaseOwner, record);
    if (record.outcome === 'FAILED' && record.nextAttemptAt) this.wakeAt(record.nextAttemptAt);
    if (outcome === 'GAVE_UP') await this.disableIfFailingTooLong(delivery.endpointId);
    return recorded.unblocked;
  }

  /** Records the attempt, retrying while the database is away (until the server stops). */
  private async record(
    delivery: ClaimedDelivery,
    leaseOwner: string,
    record: AttemptRecord,
  ): Promise<Recorded> {
    for (let delayMs = FAILED_MIN_MS; ; delayMs = Math.min(FAILED_MAX_MS, delayMs * 2)) {
      try {
        const recorded = await recordAttempt(
          queryIn(this.options.em.fork()),
          delivery.id,
          leaseOwner,
          record,
        );
        if (!recorded.kept) {
          this.options.logger.info(
            { deliveryId: delivery.id },
            'a webhook attempt was not recorded: its lease had been taken over (it is sent again or was reset)',
          );
        }
        return recorded;
      } catch (err) {
        if (this.repeats.fresh(err)) {
          this.options.logger.warn(
            { err, deliveryId: delivery.id },
            'could not record a webhook attempt; retrying',
          );
        }
        // Stopping: the lease runs out and the delivery is sent again (at least once).
        if (this.stopped) return { kept: false, unblocked: false };
        await sleep(delayMs, undefined, { ref: false });
      }
    }
  }

  /**
   * docs/domain.md: an endpoint whose deliveries have all given up for 24 h is disabled. Checked
   * when one of its deliveries gives up, and by the sweep (disableFailing) for the rest.
   */
  private async disableIfFailingTooLong(endpointId: string): Promise<void> {
    await disableFailingEndpoints(this.options.em, this.options.clock, endpointId).catch((err: unknown) => {
      if (this.repeats.fresh(err))
        this.options.logger.warn({ err }, 'could not check a failing webhook endpoint');
    });
  }

  /** A retry falls due at `at` (the clock's): claim then, if no poll comes sooner. */
  private wakeAt(at: Date): void {
    if (this.stopped) return;
    const inMs = Math.max(0, at.getTime() - this.options.clock.now().getTime());
    const dueAt = performance.now() + inMs;
    if (this.dueTimer && this.dueTimerAt <= dueAt) return;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimerAt = dueAt;
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null;
      this.dueTimerAt = Infinity;
      this.wake();
    }, inMs);
    this.dueTimer.unref();
  }
}

/** Disables the endpoints (or the one given) failing for 24 h; answers how many. */
export async function disableFailingEndpoints(
  em: EntityManager,
  clock: Clock,
  endpointId: string | null,
): Promise<number> {
  const query = queryIn(em.fork());
  const now = clock.now();
  const cutoff = failingCutoff(now);
  let disabled = 0;
  for (const endpoint of await endpointsFailingSince(query, cutoff, endpointId)) {
    const reason = failingDisabledReason(endpoint.failingSince);
    if (await disableEndpoint(query, endpoint.id, cutoff, reason, now)) disabled++;
  }
  return disabled;
}
