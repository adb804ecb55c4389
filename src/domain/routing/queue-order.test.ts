import { TicketPriority } from '../ticket/ticket.enums';
import { PRIORITY_RANK, QUEUE_ORDER } from './queue-order';

describe('QUEUE_ORDER', () => {
  it('is urgency, then waiting time, then id: a total order', () => {
    expect(QUEUE_ORDER.map((t) => `${t.key} ${t.direction}`)).toStrictEqual([
      'priority desc',
      'waitingSince asc',
      'id asc',
    ]);
  });

  it('"priority desc" means URGENT first because TicketPriority is declared from LOW to URGENT', () => {
    // The database enum ticket_priority is created from the same declaration, so ORDER BY priority
    // desc in SQL agrees with PRIORITY_RANK in memory.
    expect(Object.values(TicketPriority)).toStrictEqual(['LOW', 'NORMAL', 'HIGH', 'URGENT']);
    expect(
      Object.entries(PRIORITY_RANK)
        .sort((a, b) => a[1] - b[1])
        .map(([p]) => p),
    ).toStrictEqual(['URGENT', 'HIGH', 'NORMAL', 'LOW']);
  });
});
