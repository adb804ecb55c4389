import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../domain/auth/principal';
import type { Clock } from '../../domain/clock';
import { checkUpToSequence, readerOf, requireReader } from '../../domain/desk/read-state.rules';
import { notFound } from '../../domain/errors';
import { TicketEntity } from '../../entities/ticket.entity';
import { isId, requireId } from '../ids';
import { readStatesOf, upsertMark, type ReadState } from './read-state.store';

/**
 * Agents' read marks (docs/domain.md "Read state"). A mark is the agent's own bookkeeping, not a
 * change of the ticket: it records no ticket change and announces nothing.
 */
export class ReadStateService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /** Moves the caller's mark on the ticket up to `upToSequence`; never back. */
  async markRead(viewer: Principal, ticketId: string, upToSequence: number): Promise<TicketEntity> {
    const agentId = requireReader(viewer);
    const id = requireId('Ticket', ticketId);
    checkUpToSequence(upToSequence);
    const em = this.em.fork();
    const outcome = await upsertMark(em, { agentId, ticketId: id, upToSequence, at: this.clock.now() });
    // Agents see every ticket (docs/domain.md "Who may do what"), so only a missing one is NOT_FOUND.
    if (outcome.kind === 'NO_TICKET') throw notFound('Ticket', ticketId);
    if (outcome.kind === 'BEYOND_LAST') checkUpToSequence(upToSequence, outcome.lastSequence);
    const ticket = await em.findOne(TicketEntity, { id });
    if (!ticket) throw notFound('Ticket', ticketId);
    return ticket;
  }

  /**
   * The caller's read state on these tickets (a loader's batch); none for callers without read
   * state (admins, integrations).
   */
  async readStates(viewer: Principal, ticketIds: readonly string[]): Promise<Map<string, ReadState>> {
    const agentId = readerOf(viewer);
    if (agentId === null) return new Map();
    return readStatesOf(
      this.em.fork(),
      agentId,
      ticketIds.filter(isId).map((id) => id.toLowerCase()),
    );
  }
}
