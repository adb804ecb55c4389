import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../../domain/errors';
import { checkStatsSize, validateStatsRange, type StatsRangeInput } from '../../domain/stats/stats-range';
import { requireId } from '../ids';
import { countStatsRows, loadTicketStats, type TicketStatsRow } from './ticket-stats.store';

export interface TicketStatsInput extends StatsRangeInput {
  readonly channelId?: string | null;
}

/** docs/domain.md "Dashboards": ticketStats, for admins. Reads only. */
export class TicketStatsService {
  /** PostgreSQL's zone names, lower-cased → canonical; read once (the list changes only with PostgreSQL). */
  private zones: Promise<ReadonlyMap<string, string>> | undefined;

  constructor(private readonly em: EntityManager) {}

  async ticketStats(input: TicketStatsInput): Promise<TicketStatsRow[]> {
    const range = validateStatsRange(input, await this.timeZones());
    const channelId = input.channelId == null ? null : requireId('Channel', input.channelId);
    const em = this.em.fork();
    const query = { range, channelId };
    const size = await countStatsRows(em, query);
    if (!size.channelExists) throw notFound('Channel', channelId ?? '');
    checkStatsSize(range, size.buckets, size.groups);
    return loadTicketStats(em, query);
  }

  private timeZones(): Promise<ReadonlyMap<string, string>> {
    if (this.zones === undefined) {
      const loading = this.em
        .fork()
        .execute<{ name: string }[]>('select name from pg_timezone_names')
        .then((rows) => new Map(rows.map(({ name }) => [name.toLowerCase(), name])));
      // A failed read is not kept: the next request asks again.
      loading.catch(() => {
        if (this.zones === loading) this.zones = undefined;
      });
      this.zones = loading;
    }
    return this.zones;
  }
}
