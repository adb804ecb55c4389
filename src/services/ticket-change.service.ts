import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../domain/auth/principal';
import { badInput, DomainError } from '../domain/errors';
import {
  assignmentFilter,
  messageFilter,
  ticketChangeFilter,
  type ChangeFilter,
  type RequestedChangeFilter,
} from '../domain/stream/change-filter';
import { refuseTextOnStreams } from '../domain/desk/ticket-search.rules';
import {
  comparePositions,
  decodeStreamCursor,
  encodeStreamCursor,
  STREAM_START,
  type StreamPosition,
} from '../domain/stream/stream-position';
import { loadChanges } from '../events/change-loader';
import { ChangeStream, type ReplayPage } from '../events/change-stream';
import { queryOn, readByIds, readRange } from '../events/event-log.store';
import type { TicketChangeEvent, TicketEventBus } from '../events/ticket-event.bus';

/** `ticketChanges`' largest page (docs/domain.md "The event stream"). */
export const MAX_CHANGES_PAGE = 1_000;

export interface ChangePage {
  events: TicketChangeEvent[];
  hasNextPage: boolean;
  /**
   * `after` named a change: the log only grows, so that change is still before this page (though
   * perhaps not one the filter matches; finding one that does could scan the whole log backwards).
   */
  hasPreviousPage: boolean;
  /** Where the next page starts: the last change read (its ticket may be gone, and it with it). */
  endCursor: string | null;
}

/**
 * Reads of the one ordered stream for clients: catch-up pages of the log, and subscriptions that
 * replay from a cursor and then go live. Who sees what is decided by the ChangeFilter each is
 * given (domain/stream/change-filter.ts); cursors are checked here, before anything is read.
 */
export class TicketChangeService {
  constructor(
    private readonly em: EntityManager,
    private readonly bus: TicketEventBus,
    private readonly subscriberBuffer: number,
  ) {}

  /** Committed changes after `after` (none: from the beginning), oldest first. */
  async page(
    principal: Principal,
    filter: RequestedChangeFilter | null,
    after: string | null,
    first: number,
  ): Promise<ChangePage> {
    refuseTextOnStreams(filter);
    if (!Number.isInteger(first) || first < 0 || first > MAX_CHANGES_PAGE) {
      throw badInput('first', `first must be a whole number from 0 to ${MAX_CHANGES_PAGE}`);
    }
    const from = after === null ? STREAM_START : decodeStreamCursor(after);
    const hasPreviousPage = comparePositions(from, STREAM_START) > 0;
    if (first === 0) return { events: [], hasNextPage: false, hasPreviousPage, endCursor: null };
    const changes = await readRange(queryOn(this.em.fork()), {
      after: from,
      upTo: null,
      filter: ticketChangeFilter(principal, filter),
      limit: first + 1,
    });
    const page = changes.slice(0, first);
    const last = page.at(-1);
    return {
      events: await loadChanges(this.em, page),
      hasNextPage: changes.length > first,
      hasPreviousPage,
      endCursor: last ? encodeStreamCursor(last.position) : null,
    };
  }

  /**
   * Changes by their log ids, loaded as the stream loads them (a webhook delivery's change: who may
   * see it was decided with the delivery). A change whose ticket is gone is left out.
   */
  async byEventIds(ids: readonly string[]): Promise<TicketChangeEvent[]> {
    return loadChanges(this.em, await readByIds(queryOn(this.em.fork()), ids));
  }

  /** `ticketChanged`: matching changes, replayed from `after` when given, then live. */
  ticketChanged(
    principal: Principal,
    filter: RequestedChangeFilter | null,
    after: string | null,
  ): ChangeStream {
    refuseTextOnStreams(filter);
    return this.stream(
      ticketChangeFilter(principal, filter),
      after === null ? null : decodeStreamCursor(after),
    );
  }

  /** `assignments`: one agent's offers and assignments (the caller's right to them is checked first). */
  assignments(principal: Principal, agentId: string, after: string | null): ChangeStream {
    return this.stream(
      assignmentFilter(principal, agentId),
      after === null ? null : decodeStreamCursor(after),
    );
  }

  /**
   * `messageAdded`: a ticket's messages, from the one after `afterSequence` when given (the
   * ticket's visibility is checked by the caller). A lagging subscriber resumes by sequence.
   */
  messages(principal: Principal, ticketId: string, afterSequence: number | null): ChangeStream {
    if (afterSequence !== null && (!Number.isInteger(afterSequence) || afterSequence < 0)) {
      throw badInput('afterSequence', 'afterSequence must be a whole number from 0');
    }
    const filter = messageFilter(principal, ticketId);
    return this.stream(
      filter,
      afterSequence === null ? null : STREAM_START,
      afterSequence ?? undefined,
      (last) => ({
        resumeAfterSequence: last?.message?.sequence ?? afterSequence ?? 0,
      }),
    );
  }

  private stream(
    filter: ChangeFilter,
    after: StreamPosition | null,
    afterSequence?: number,
    resume: (last: TicketChangeEvent | null, lastSent: StreamPosition) => Record<string, string | number> = (
      _last,
      lastSent,
    ) => ({ resumeAfter: encodeStreamCursor(lastSent) }),
  ): ChangeStream {
    return new ChangeStream({
      bus: this.bus,
      filter,
      after,
      capacity: this.subscriberBuffer,
      replay: (from, upTo, limit) => this.replay(filter, from, upTo, limit, afterSequence),
      // An afterSequence past the ticket's last message: the messages up to it are not wanted live either.
      skip:
        afterSequence === undefined ? undefined : (event) => (event.message?.sequence ?? 0) <= afterSequence,
      lagging: (lastSent, last) =>
        new DomainError(
          'LAGGING',
          `This subscription fell more than ${this.subscriberBuffer} changes behind and was ended; subscribe again from where it stopped`,
          undefined,
          resume(last, lastSent),
        ),
    });
  }

  private async replay(
    filter: ChangeFilter,
    after: StreamPosition,
    upTo: StreamPosition,
    limit: number,
    afterSequence: number | undefined,
  ): Promise<ReplayPage> {
    const changes = await readRange(queryOn(this.em.fork()), { after, upTo, filter, limit, afterSequence });
    return {
      events: await loadChanges(this.em, changes),
      last: changes.at(-1)?.position ?? null,
      complete: changes.length < limit,
    };
  }
}
