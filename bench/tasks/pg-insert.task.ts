import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { summarize } from '../lib/stats';
import type { LoadResult } from './http-load.task';

export interface PgInsertArgs {
  databaseUrl: string;
  table: string;
  channelId: string;
  connections: number;
  durationSeconds: number;
}

/**
 * The physical floor under receiveMessage: one INSERT per message into a table with the messages
 * table's columns and indexes, each its own transaction with synchronous commit, one connection per
 * client.
 */
export async function pgInsertLoad(args: PgInsertArgs): Promise<LoadResult> {
  const clients = await Promise.all(
    Array.from({ length: args.connections }, async () => {
      const client = new pg.Client({ connectionString: args.databaseUrl });
      await client.connect();
      return client;
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + args.durationSeconds * 1000;
  const text = `insert into ${args.table}
    (id, ticket_id, channel_id, sequence, author_type, body, external_id, created_at)
    values ($1, $2, $3, $4, 'END_USER', $5, $6, $7)`;
  await Promise.all(
    clients.map(async (client, slot) => {
      const ticketId = randomUUID();
      for (let sequence = 1; performance.now() < deadline; sequence++) {
        const t0 = performance.now();
        try {
          await client.query({
            name: 'bench-insert',
            text,
            values: [
              randomUUID(),
              ticketId,
              args.channelId,
              sequence,
              `bench message ${slot}-${sequence}`,
              `${ticketId}-${sequence}`,
              new Date(performance.timeOrigin + t0),
            ],
          });
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return {
    requests: latencies.length,
    errors,
    firstError,
    elapsedSeconds,
    throughput: latencies.length / elapsedSeconds,
    latency: summarize(latencies),
  };
}
