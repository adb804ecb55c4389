import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../../domain/clock';
import type { ChangeFilter } from '../../domain/stream/change-filter';
import { isAfter, type StreamPosition } from '../../domain/stream/stream-position';
import { endpointReceives } from '../../domain/webhook/webhook-match';
import { readRange } from '../../events/event-log.store';
import type { Logger } from '../../observability/logger';
import { RepeatFilter } from '../../observability/repeat-filter';
import {
  anyEndpointEnabled,
  claimEndpointsBehind,
  insertDeliveries,
  moveEndpoints,
  queryIn,
} from './webhook-delivery.store';

/** Changes read per page of the log (each endpoint behind gets at most one page per pass). */
const PAGE = 500;
const FAILED_MIN_MS = 100;
const FAILED_MAX_MS = 5_000;

/**
 * Turns changes into deliveries: one per matching change per endpoint (docs/domain.md "Outbound
 * delivery to partners"). Each enabled endpoint keeps its own position in the log. A pass locks the
 * endpoints that are behind (skipping those another process holds), reads the changes after their
 * positions up to `upTo` — what this process's event tail has read, all of it settled, so no change
 * can still commit behind it — makes the deliveries of those each endpoint matches and moves the
 * positions, in one transaction: a process killed midway leaves the endpoints where they were, and
 * the unique (endpoint, event) pair makes a repeat harmless. Each endpoint gets one page per pass,
 * so one with a long backlog does not hold up the others; passes repeat while a page was full.
 */
export class WebhookDispatcher {
  private running = false;
  // Until a pass has looked, assume there are endpoints.
  private endpointsEnabled = true;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private failedDelayMs = 0;
  private current: Promise<void> = Promise.resolve();
  private readonly repeats = new RepeatFilter(60_000);

  constructor(
    private readonly options: {
      em: EntityManager;
      clock: Clock;
      logger: Logger;
      /** Everything up to here has been read by this process's tail: settled, final. */
      upTo: () => StreamPosition;
      /** Deliveries were made (the sender may have work). */
      onDeliveries: () => void;
    },
  ) {}

  /**
   * Runs soon; wake-ups while a run is going make one more run after it, however many. Changes
   * committed wake it only while some endpoint is enabled (as last seen): with none, the poll alone
   * looks, once a second, and the stream's readers pay nothing.
   */
  wake(reason: 'changes' | 'poll'): void {
    if (this.stopped) return;
    if (reason === 'changes' && !this.endpointsEnabled) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.current = this.run();
  }

  /** Resolves once the run in progress, if any, has ended; no run starts after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.current;
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        const made = await this.catchUp(this.options.upTo());
        this.failedDelayMs = 0;
        if (made > 0) this.options.onDeliveries();
      } while (this.again && !this.stopped);
    } catch (err) {
      this.failedDelayMs = Math.min(FAILED_MAX_MS, Math.max(FAILED_MIN_MS, this.failedDelayMs * 2));
      if (this.repeats.fresh(err)) {
        this.options.logger.warn(
          { err, retryInMs: this.failedDelayMs },
          'could not turn changes into webhook deliveries; retrying',
        );
      }
      if (!this.stopped && !this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.wake('poll');
        }, this.failedDelayMs);
        this.retryTimer.unref();
      }
    } finally {
      this.running = false;
    }
  }

  /** Brings every enabled endpoint up to `upTo`; answers how many deliveries were made. */
  private async catchUp(upTo: StreamPosition): Promise<number> {
    let made = 0;
    for (;;) {
      const pass = await this.pass(upTo);
      made += pass.made;
      if (!pass.more || this.stopped) return made;
    }
  }

  /**
   * One transaction: every endpoint behind (and not held by another process) gets one page of the
   * log after its position, read once for all the endpoints it covers and matched against each
   * (endpointReceives: the endpoint's filter, as readRange's SQL would apply it). `more`: a page was
   * full, so some endpoint may still be behind.
   */
  private pass(upTo: StreamPosition): Promise<{ made: number; more: boolean }> {
    return this.options.em.fork().transactional(async (tx) => {
      const query = queryIn(tx);
      const now = this.options.clock.now();
      let behind = await claimEndpointsBehind(query, upTo);
      this.endpointsEnabled = behind.length > 0 || (await anyEndpointEnabled(query));
      let made = 0;
      let more = false;
      while (behind.length > 0) {
        const changes = await readRange(query, {
          after: behind[0]!.position,
          upTo,
          filter: EVERY_CHANGE,
          limit: PAGE,
        });
        // A full page may have more after it; a short one has read everything up to upTo.
        const full = changes.length === PAGE;
        const end = full ? changes[PAGE - 1]!.position : upTo;
        const covered = behind.filter((endpoint) => isAfter(end, endpoint.position));
        const pairs = covered.flatMap((endpoint) =>
          changes
            .filter(
              (change) => isAfter(change.position, endpoint.position) && endpointReceives(endpoint, change),
            )
            .map((change) => ({ endpointId: endpoint.id, eventId: change.id })),
        );
        made += await insertDeliveries(query, pairs, now);
        await moveEndpoints(
          query,
          covered.map((endpoint) => endpoint.id),
          end,
        );
        more ||= full;
        // Endpoints ahead of this page (another far behind started it) read from their own position.
        behind = behind.filter((endpoint) => !isAfter(end, endpoint.position));
      }
      return { made, more };
    });
  }
}

/**
 * The dispatcher reads the whole log once per page and matches each endpoint against it (which
 * leaves internal notes out: webhookChangeFilter); the page itself is every change, so its end is
 * where each endpoint's position moves to.
 */
const EVERY_CHANGE: ChangeFilter = {
  visibleChannelId: null,
  internalNotes: true,
  statuses: null,
  assigneeId: null,
  offeredToId: null,
  channelId: null,
  requesterId: null,
  agentId: null,
  kinds: null,
  ticketId: null,
};
