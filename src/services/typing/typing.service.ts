import type { Principal } from '../../domain/auth/principal';
import type { Clock } from '../../domain/clock';
import type { TypingSignal } from '../../domain/typing/typing-lapse';
import { typingAuthor } from '../../domain/typing/typing.rules';
import type { TicketEventBus } from '../../events/ticket-event.bus';
import type { TicketService } from '../ticket.service';
import type { TypingFeed } from './typing.feed';

/**
 * Typing indicators (docs/domain.md "Typing"): announced to every process through the event bus,
 * never written to the database or the event log. Nothing is locked: a signal read against a
 * ticket that is reassigned a moment later lapses like any other.
 */
export class TypingService {
  constructor(
    private readonly clock: Clock,
    private readonly bus: Pick<TicketEventBus, 'publishTyping'>,
    private readonly tickets: Pick<TicketService, 'get'>,
    private readonly feed: TypingFeed,
  ) {}

  /** `setTyping`: the assignee or the channel's integration (for its end user) starts or stops typing. */
  async set(principal: Principal, ticketId: string, typing: boolean): Promise<void> {
    // NOT_FOUND for an unknown ticket or one of another channel, before anything else.
    const ticket = await this.tickets.get(principal, ticketId);
    const author = typingAuthor(principal, {
      id: ticket.id,
      channelId: ticket.channel.id,
      assigneeId: ticket.assignee?.id ?? null,
      status: ticket.status,
    });
    const signal: TypingSignal = { ticketId: ticket.id, ...author, typing, at: this.clock.now() };
    if (!this.feed.worthAnnouncing(signal)) return;
    await this.bus.publishTyping(signal);
  }

  /** `typing`: one ticket's typing from now on, for whoever may read the ticket (else NOT_FOUND). */
  async subscribe(principal: Principal, ticketId: string): Promise<AsyncIterableIterator<TypingSignal>> {
    const ticket = await this.tickets.get(principal, ticketId);
    return this.feed.subscribe(ticket.id);
  }

  /** Tells this process's subscribers of the lapses due now (the feed's timer does it too). */
  lapseDue(): void {
    this.feed.lapseDue();
  }

  subscriberCount(): number {
    return this.feed.subscriberCount();
  }

  stop(): void {
    this.feed.stop();
  }
}
