import type { Client } from 'graphql-ws';
import pg from 'pg';
import {
  comparePositions,
  decodeStreamCursor,
  type StreamPosition,
} from '../../src/domain/stream/stream-position';
import { nowMs, summarize, type LatencySummary } from '../lib/stats';
import { graphqlClient } from './ws-clients.task';

/** P7: one subscriber resuming far behind (replay, then live), and the raw keyset read it is compared with. */

interface ChangeFrame {
  cursor: string;
  message: { body: string } | null;
}

export interface ReplayArgs {
  url: string;
  authorization: string;
  /** A `ticketChanged` subscription selecting at least `cursor` and `message { body }`. */
  query: string;
  variables: Record<string, unknown>;
  /** Changes the replay is expected to deliver; the replay is timed up to the last of them. */
  expected: number;
  /** Frames per timed chunk (the server's replay page). */
  pageSize: number;
  timeoutSeconds: number;
}

export interface ReplayResult {
  received: number;
  /** From the subscribe call to the receipt of change number `expected`. */
  elapsedMs: number;
  /** From the subscribe call to the first change. */
  firstMs: number;
  /** Changes whose position was not after the previous one's (must be 0). */
  outOfOrder: number;
  /** Time per `pageSize` changes received (the first from the subscribe call). */
  chunks: LatencySummary;
}

let current: { client: Client; dispose: () => void } | undefined;
let liveLatencies: number[] = [];
let liveReceived = 0;
let errors = 0;
let firstError: string | undefined;

function fail(err: unknown): void {
  errors++;
  firstError ??= err instanceof Error ? err.message : JSON.stringify(err);
}

/**
 * Subscribes once (after any earlier subscription is closed) and resolves when `expected` changes
 * have arrived; the subscription stays open, and later changes whose message body is
 * `live:<send time>` are timed for replayLiveStats().
 */
export async function replaySubscribe(args: ReplayArgs): Promise<ReplayResult> {
  replayClose();
  const client = await graphqlClient(args.url, args.authorization);
  return new Promise<ReplayResult>((resolve, reject) => {
    let received = 0;
    let outOfOrder = 0;
    let last: StreamPosition | undefined;
    let firstAt = Number.NaN;
    const marks: number[] = [];
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) return reject(err);
      const chunks = marks.map((at, i) => at - (i === 0 ? started : marks[i - 1]!));
      resolve({
        received,
        elapsedMs: marks.at(-1)! - started,
        firstMs: firstAt - started,
        outOfOrder,
        chunks: summarize(chunks),
      });
    };
    const started = nowMs();
    const timer = setTimeout(
      () => finish(new Error(`replay: ${received} of ${args.expected} changes in ${args.timeoutSeconds} s`)),
      args.timeoutSeconds * 1000,
    );
    const dispose = client.subscribe<{ ticketChanged: ChangeFrame }>(
      { query: args.query, variables: args.variables },
      {
        next: (value) => {
          const at = nowMs();
          const frame = value.data?.ticketChanged;
          if (value.errors || !frame) {
            fail(value.errors ?? 'a frame without data');
            return finish(new Error(`replay: ${JSON.stringify(value.errors)}`));
          }
          const position = decodeStreamCursor(frame.cursor);
          if (last && comparePositions(position, last) <= 0) outOfOrder++;
          last = position;
          if (done) {
            const body = frame.message?.body;
            if (body?.startsWith('live:')) {
              liveReceived++;
              liveLatencies.push(at - Number(body.slice('live:'.length)));
            }
            return;
          }
          received++;
          if (received === 1) firstAt = at;
          if (received % args.pageSize === 0 || received === args.expected) marks.push(at);
          if (received === args.expected) finish();
        },
        error: (err) => {
          fail(err);
          finish(new Error(`replay: ${err instanceof Error ? err.message : JSON.stringify(err)}`));
        },
        complete: () => finish(new Error(`replay: the subscription ended after ${received} changes`)),
      },
    );
    current = { client, dispose };
  });
}

export interface LiveStats {
  received: number;
  errors: number;
  firstError?: string;
  latency: LatencySummary;
}

/** The live changes (body `live:<send time>`) received since the replay ended or the last reset. */
export function replayLiveStats(args: { reset: boolean }): LiveStats {
  const stats = { received: liveReceived, errors, firstError, latency: summarize(liveLatencies) };
  if (args.reset) {
    liveLatencies = [];
    liveReceived = 0;
    errors = 0;
    firstError = undefined;
  }
  return stats;
}

export function replayClose(): void {
  if (current) {
    current.dispose();
    void current.client.dispose();
  }
  current = undefined;
  replayLiveStats({ reset: true });
}

export interface KeysetArgs {
  databaseUrl: string;
  channelId: string;
  /** The position to read after, as PostgreSQL's decimal strings. */
  after: { xid: string; id: string };
  /** Rows to read in all. */
  rows: number;
  pageSize: number;
  poolSize: number;
}

export interface KeysetResult {
  rows: number;
  elapsedMs: number;
  throughput: number;
  /** Time per page query. */
  pages: LatencySummary;
}

/**
 * The floor under a replay: the same rows read a page at a time by keyset, each change joined to
 * its ticket and message in one statement, over a pool of the ORM pool's size.
 */
export async function keysetRead(args: KeysetArgs): Promise<KeysetResult> {
  const pool = new pg.Pool({ connectionString: args.databaseUrl, max: args.poolSize });
  try {
    await pool.query('select 1');
    const text = `select e.stream_xid::text, e.id::text, e.*, t.*, m.*
        from ticket_events e
        join tickets t on t.id = e.ticket_id
        left join messages m on m.id = e.message_id
       where (e.stream_xid, e.id) > ($1::xid8, $2::bigint) and e.channel_id = $3::uuid
       order by e.stream_xid, e.id
       limit $4`;
    const pages: number[] = [];
    let { xid, id } = args.after;
    let rows = 0;
    const started = nowMs();
    while (rows < args.rows) {
      const t0 = nowMs();
      const limit = Math.min(args.pageSize, args.rows - rows);
      const res = await pool.query<unknown[]>({
        text,
        values: [xid, id, args.channelId, limit],
        rowMode: 'array',
      });
      pages.push(nowMs() - t0);
      rows += res.rows.length;
      const lastRow = res.rows.at(-1);
      if (!lastRow || res.rows.length < limit) break;
      xid = lastRow[0] as string;
      id = lastRow[1] as string;
    }
    const elapsedMs = nowMs() - started;
    return { rows, elapsedMs, throughput: rows / (elapsedMs / 1000), pages: summarize(pages) };
  } finally {
    await pool.end();
  }
}
