import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { decodeStreamCursor } from '../../src/domain/stream/stream-position';
import type { GraphqlClient } from '../lib/parley';
import { ratioRow, type Scenario } from '../lib/scenario';
import { createChannel, openTickets, RECEIVE_MESSAGE } from '../lib/setup';
import { nowMs } from '../lib/stats';

/** Changes the subscriber resumes behind (at least; whatever the channel logged after the cursor). */
const BEHIND = 10_000;
const TICKETS = 100;
const WRITERS = 16;
/** The server's replay page (REPLAY_PAGE in src/events/change-stream.ts). */
const PAGE = 200;
/** The ORM pool's size (db/orm.config.ts), which replays read through. */
const POOL = 20;
const LIVE_MESSAGES = 20;
const LIVE_INTERVAL_MS = 100;

const SUBSCRIPTION = `subscription($filter: TicketFilter, $after: String) {
  ticketChanged(filter: $filter, after: $after) { cursor kind at ticket { id status } message { id body } }
}`;
const CHANGES = `query($filter: TicketFilter, $after: String) {
  ticketChanges(filter: $filter, after: $after, first: 1000) { pageInfo { hasNextPage endCursor } }
}`;

interface ChangesPage {
  ticketChanges: { pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/** The cursor of the channel's last change so far, paged through `ticketChanges` as a client would. */
async function lastCursor(gql: GraphqlClient, token: string, channelId: string): Promise<string> {
  let after: string | null = null;
  for (;;) {
    const page: ChangesPage = await gql.request<ChangesPage>(token, CHANGES, {
      filter: { channelId },
      after,
    });
    const { ticketChanges } = page;
    after = ticketChanges.pageInfo.endCursor ?? after;
    if (!ticketChanges.pageInfo.hasNextPage) {
      if (after === null) throw new Error('P7: the channel has no changes to start after');
      return after;
    }
  }
}

export const replay: Scenario = {
  id: 'P7',
  title: `A \`ticketChanged\` subscriber resuming ${BEHIND.toLocaleString('en-US')} changes behind vs a raw keyset SELECT of the same rows`,
  async run(ctx) {
    const admin = ctx.parley.adminToken;
    // A skill no agent has: nothing routes, so the tickets change only when this scenario says so.
    const channel = await createChannel(ctx.gql, admin, 'LIVE_CHAT_RETURNING', { requiredSkills: ['p7'] });
    const users = Array.from({ length: TICKETS }, (_, i) => `p7-user-${i}`);
    await openTickets(ctx.gql, channel, users);
    const after = await lastCursor(ctx.gql, admin, channel.id);

    // The changes to catch up on: a message each on the existing tickets.
    const load = ctx.worker('p7 load');
    const written = await load.call('httpLoad', {
      url: ctx.parley.httpUrl,
      headers: { authorization: `Bearer ${channel.token}` },
      connections: WRITERS,
      durationSeconds: 0,
      amount: BEHIND,
      plan: {
        kind: 'receiveMessage',
        channelId: channel.id,
        users,
        query: RECEIVE_MESSAGE,
        runId: randomUUID(),
      },
    });
    if (written.errors > 0) throw new Error(`P7 set-up errors: ${written.firstError}`);
    const position = decodeStreamCursor(after);
    const from = { xid: String(position.xid), id: String(position.id) };
    const db = new pg.Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ behind: string; messages: string }>(
      `select count(*) behind, count(message_id) messages from ticket_events
        where channel_id = $1 and (stream_xid, id) > ($2::xid8, $3::bigint)`,
      [channel.id, from.xid, from.id],
    );
    await db.end();
    const behind = Number(rows[0]!.behind);
    if (behind < BEHIND) throw new Error(`P7: only ${behind} changes after the cursor`);
    ctx.log(`P7: ${behind} changes behind (${rows[0]!.messages} with a message)`);

    // Parley: one subscriber, from the cursor; a first full replay warms both ends up.
    const subscriber = ctx.worker('p7 subscriber');
    const subscription = {
      url: ctx.parley.wsUrl,
      authorization: `Bearer ${admin}`,
      query: SUBSCRIPTION,
      variables: { filter: { channelId: channel.id }, after },
      expected: behind,
      pageSize: PAGE,
      timeoutSeconds: 300,
    };
    await subscriber.call('replaySubscribe', subscription);
    const replayed = await ctx.measureCpu(() => subscriber.call('replaySubscribe', subscription));
    if (replayed.result.outOfOrder > 0) {
      throw new Error(`P7: ${replayed.result.outOfOrder} changes out of stream order`);
    }

    // Then live: fresh changes committed after the replay reach the same subscription.
    await subscriber.call('replayLiveStats', { reset: true });
    const live = await ctx.measureCpu(async () => {
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < LIVE_MESSAGES; i++) {
        sends.push(
          ctx.gql.request(channel.token, RECEIVE_MESSAGE, {
            input: { channelId: channel.id, externalUserId: users[i % TICKETS], body: `live:${nowMs()}` },
          }),
        );
        await sleep(LIVE_INTERVAL_MS);
      }
      await Promise.all(sends);
      for (let i = 0; i < 300; i++) {
        const { received } = await subscriber.call('replayLiveStats', { reset: false });
        if (received >= LIVE_MESSAGES) break;
        await sleep(100);
      }
      return subscriber.call('replayLiveStats', { reset: true });
    });
    await subscriber.call('replayClose', undefined);
    if (live.result.errors > 0) throw new Error(`P7 live errors: ${live.result.firstError}`);
    if (live.result.received !== LIVE_MESSAGES) {
      throw new Error(
        `P7: ${live.result.received} of ${LIVE_MESSAGES} live changes arrived after the replay`,
      );
    }

    // Baseline: the same rows, keyset-paged with one joined SELECT a page, over a pool of the same size.
    const keyset = {
      databaseUrl: ctx.databaseUrl,
      channelId: channel.id,
      after: from,
      rows: behind,
      pageSize: PAGE,
      poolSize: POOL,
    };
    await load.call('keysetRead', keyset);
    const baseline = await ctx.measureCpu(() => load.call('keysetRead', keyset));
    if (baseline.result.rows !== behind) {
      throw new Error(`P7: the keyset read found ${baseline.result.rows} of ${behind} rows`);
    }

    const rate = behind / (replayed.result.elapsedMs / 1000);
    ctx.log(
      `P7: replay ${rate.toFixed(0)} changes/s vs ${baseline.result.throughput.toFixed(0)} rows/s; caught up in ${replayed.result.elapsedMs.toFixed(0)} ms; live p95 ${live.result.latency.p95.toFixed(1)} ms`,
    );
    const count = behind.toLocaleString('en-US');
    return {
      id: this.id,
      title: this.title,
      rows: [
        ratioRow(
          `${count} changes behind: replay rate`,
          { value: rate, unit: 'changes/s', latency: replayed.result.chunks, cpu: replayed.cpu },
          {
            value: baseline.result.throughput,
            unit: 'rows/s',
            latency: baseline.result.pages,
            cpu: baseline.cpu,
          },
          null,
        ),
        {
          label: `${count} changes behind: subscribe → last replayed change received`,
          parley: { value: replayed.result.elapsedMs, unit: 'ms', cpu: replayed.cpu },
          target: 'none set',
        },
        {
          label: `live after the replay: latency, ${1000 / LIVE_INTERVAL_MS} msgs/s paced`,
          parley: {
            value: live.result.received,
            unit: 'delivered',
            latency: live.result.latency,
            cpu: live.cpu,
          },
          target: 'none set',
        },
      ],
      notes: [
        `One channel, ${TICKETS} tickets (no agent has its skill, so nothing routes); the cursor is the channel's last change as \`ticketChanges(filter: { channelId })\` pages to it; then ${BEHIND.toLocaleString('en-US')} \`receiveMessage\` from ${WRITERS} HTTP clients put ${count} changes after it.`,
        `Parley: one graphql-ws client in a load process subscribes \`ticketChanged(filter: { channelId }, after: cursor) { cursor kind at ticket { id status } message { id body } }\` (admin token) and times from the subscribe call to the ${count}th change (the connection is opened before); measured after one full warm-up replay. Its latency figures are the time per ${PAGE} changes received (the server's replay page: a log read, then the tickets and messages, each change run through GraphQL and sent as its own frame). The first change arrived ${replayed.result.firstMs.toFixed(0)} ms after subscribing; every cursor was checked to come after the one before.`,
        `Live: after the replay the same subscription receives ${LIVE_MESSAGES} more \`receiveMessage\`, one every ${LIVE_INTERVAL_MS} ms, each timed from its send (body carries the send time) to receipt; all ${LIVE_MESSAGES} must arrive.`,
        `Baseline: a \`pg\` Pool of ${POOL} (the ORM pool's size) in a load process reads the same ${count} rows after the same position, ${PAGE} a page by keyset: \`select e.*, t.*, m.* from ticket_events e join tickets t … left join messages m … where (e.stream_xid, e.id) > ($1, $2) and e.channel_id = $3 order by e.stream_xid, e.id limit ${PAGE}\`, after one warm-up read. Each page waits for the last one's position, so like the replay it uses one connection at a time; rows are parsed by \`pg\`, not turned into GraphQL or sent. Its latency figures are the time per page query. The issue sets no target for P7: the rows are informational.`,
      ],
    };
  },
};
