import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres';
import {
  ADMIN_TOKEN,
  gql,
  killServers,
  MAIN,
  post,
  RECEIVE,
  sleep,
  startServer,
  type Received,
  type ServerProcess,
} from '../support/server-process';
import {
  duplicates,
  openFeed,
  readLog,
  ResumingFeed,
  withoutBodies,
  type Feed,
  type FeedSocket,
} from '../support/stream-client';
import { connectWs } from '../support/ws-client';

/**
 * Issue 13: two Parley processes on a PostgreSQL this test starts and stops itself, under load,
 * while the database fails three ways: (a) every Parley backend terminated, (b) PostgreSQL stopped
 * for 8 s and started again, (c) PostgreSQL frozen (SIGSTOP) for 6 s. In each: no process exits,
 * WebSockets stay open, /readyz goes 503 and comes back to 200, every acknowledged message is stored exactly once (the
 * partners retry what was refused or never answered, with the same externalMessageId), and a close
 * that fell due during the outage happens once after it. Through the stream (issue 13 with 14): a
 * ticketChanged subscriber on each process, connected throughout, receives every change committed
 * before, during and after the fault, in order, once; and one whose socket is lost during the
 * outage reconnects (to either process, refused while the database is away) with `after:` its last
 * cursor until it is served, and misses nothing and repeats nothing.
 */

const USERS = 6;
const STYLE_CLOSE_SECONDS = 2;

interface Partner {
  externalUserId: string;
  sent: string[];
  acked: Set<string>;
  pending: string | null;
  /** Refusals other than "come back later": each one is a bug. */
  wrong: unknown[];
}

describe('the database fails under load (issue 13)', () => {
  let dataDir: string;
  let database: EmbeddedPostgres;
  let servers: ServerProcess[];
  let sql: () => Promise<pg.Client>;
  let channel: { id: string; token: string };
  let agentId: string;
  let round = 0;

  beforeAll(async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm test builds it first (npm run build)`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-faults-'));
    fs.chmodSync(dataDir, 0o755);
    database = await startEmbeddedPostgres({ dataDir, database: 'parley' });
    sql = async () => {
      const client = new pg.Client({ connectionString: database.url });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    };
    servers = [await startServer(database.url), await startServer(database.url)];
    const admin = <T>(query: string, variables?: Record<string, unknown>) =>
      gql<T>(servers[0]!.url, ADMIN_TOKEN, query, variables);
    const { createConversationStyle } = await admin<{ createConversationStyle: { id: string } }>(
      `mutation { createConversationStyle(input: { name: "Quick social", kind: SOCIAL_MESSAGING,
         closeAfterSolvedSeconds: ${STYLE_CLOSE_SECONDS} }) { id } }`,
    );
    const { createChannel } = await admin<{ createChannel: { token: string; channel: { id: string } } }>(
      `mutation($style: ID!) { createChannel(input: { kind: WHATSAPP, name: "WhatsApp", styleId: $style }) {
         token channel { id } } }`,
      { style: createConversationStyle.id },
    );
    channel = { id: createChannel.channel.id, token: createChannel.token };
    const { createAgent } = await admin<{ createAgent: { agent: { id: string } } }>(
      'mutation { createAgent(input: { name: "Solver", email: "solver@example.com", capacity: 100 }) { agent { id } } }',
    );
    agentId = createAgent.agent.id;
  }, 120_000);

  // Feeds a failed round left running.
  const openFeeds = new Set<{ stop(): Promise<unknown> }>();

  afterAll(async () => {
    await Promise.all([...openFeeds].map((feed) => feed.stop()));
    await killServers();
    await database?.stop().catch(() => undefined);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** One message per call: the pending one again (same id) or a new one. */
  async function sendOne(partner: Partner, server: ServerProcess): Promise<void> {
    if (partner.pending === null) {
      partner.pending = `${partner.externalUserId}-m${partner.sent.length + 1}`;
      partner.sent.push(partner.pending);
    }
    const id = partner.pending;
    const outcome = await post<Received>(server.url, channel.token, RECEIVE, {
      input: {
        channelId: channel.id,
        externalUserId: partner.externalUserId,
        externalMessageId: id,
        body: id,
      },
    });
    if (outcome.kind === 'ok') {
      partner.acked.add(id);
      partner.pending = null;
      return;
    }
    if (outcome.kind === 'refused') {
      const retryable =
        outcome.status === 503 && outcome.errors.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
      if (!retryable) partner.wrong.push({ id, status: outcome.status, errors: outcome.errors });
    }
    await sleep(100);
  }

  /** A SOLVED ticket whose close falls due `inSeconds` from now (the style's interval, after a wait). */
  async function solveForClose(): Promise<string> {
    const { receiveMessage } = await gql<Received>(servers[0]!.url, channel.token, RECEIVE, {
      input: { channelId: channel.id, externalUserId: `closer-${round}`, body: 'please close me' },
    });
    const ticketId = receiveMessage.ticket.id;
    await gql(
      servers[0]!.url,
      ADMIN_TOKEN,
      'mutation($t: ID!, $a: ID) { reassignTicket(ticketId: $t, agentId: $a) { id } }',
      {
        t: ticketId,
        a: agentId,
      },
    );
    await gql(
      servers[0]!.url,
      ADMIN_TOKEN,
      'mutation($t: ID!) { updateTicketStatus(ticketId: $t, status: SOLVED) { id } }',
      {
        t: ticketId,
      },
    );
    return ticketId;
  }

  async function readiness(server: ServerProcess): Promise<number | null> {
    try {
      const res = await fetch(server.url.replace(/\/graphql$/, '/readyz'), {
        signal: AbortSignal.timeout(3_000),
      });
      return res.status;
    } catch {
      return null;
    }
  }

  async function underFault(fault: () => Promise<void>): Promise<void> {
    round++;
    const closeTicket = await solveForClose();
    const partners: Partner[] = Array.from({ length: USERS }, (_, i) => ({
      externalUserId: `round${round}-user${i}`,
      sent: [],
      acked: new Set(),
      pending: null,
      wrong: [],
    }));
    // The stream's subscribers, from the last change committed so far.
    const filter = { channelId: channel.id };
    const start = (await readLog(servers[0]!.url, ADMIN_TOKEN, filter)).at(-1)?.cursor ?? null;
    const wsUrl = (server: ServerProcess) => server.url.replace(/^http/, 'ws');
    const feeds: { socket: FeedSocket; feed: Feed }[] = await Promise.all(
      servers.map((server) => openFeed(wsUrl(server), ADMIN_TOKEN, { filter, after: start })),
    );
    const resuming = new ResumingFeed({
      wsUrl: (attempt) => wsUrl(servers[attempt % servers.length]!),
      token: ADMIN_TOKEN,
      filter,
      after: start,
    });
    openFeeds.add(resuming);
    for (const { socket } of feeds) openFeeds.add({ stop: () => socket.close() });
    await resuming.connected;
    let loading = true;
    const load = partners.map(async (partner, i) => {
      while (loading) await sendOne(partner, servers[i % servers.length]!);
    });
    const seen = servers.map(() => new Set<number | null>());
    // A dashboard's socket, open across the fault: it must not be closed under it.
    const sockets = servers.map((server) =>
      connectWs(server.url.replace(/^http/, 'ws'), `Bearer ${ADMIN_TOKEN}`),
    );
    await Promise.all(sockets.map((s) => s.acknowledged));
    const closedDuringFault: unknown[] = [];
    sockets.forEach((s) => void s.closed.then((event) => closedDuringFault.push(event)));
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const statuses = await Promise.all(servers.map(readiness));
        statuses.forEach((s, i) => seen[i]!.add(s));
        await sleep(50);
      }
    })();

    await sleep(500);
    const faulting = fault();
    // Its network goes during the outage: it reconnects by itself, from its last cursor.
    await sleep(300);
    resuming.drop();
    await faulting;
    // Back: each server ready again, and the load carries on for a while on the recovered database.
    const deadline = performance.now() + 60_000;
    for (;;) {
      const statuses = await Promise.all(servers.map(readiness));
      if (statuses.every((s) => s === 200)) break;
      if (performance.now() > deadline)
        throw new Error(
          `not ready again: ${JSON.stringify(statuses)}\n${servers.map((s) => s.output()).join('\n')}`,
        );
      await sleep(200);
    }
    await sleep(1_000);
    loading = false;
    await Promise.all(load);
    // What was left unanswered is sent again until it is acknowledged.
    for (const partner of partners) {
      const until = performance.now() + 30_000;
      while (partner.pending !== null && performance.now() < until) await sendOne(partner, servers[0]!);
    }
    watching = false;
    await watch;
    expect(closedDuringFault).toEqual([]);
    await Promise.all(sockets.map((s) => s.dispose()));

    for (const server of servers) expect(server.child.exitCode ?? server.child.signalCode).toBeNull();
    expect(partners.flatMap((p) => p.wrong)).toEqual([]);
    expect(partners.filter((p) => p.pending !== null).map((p) => p.pending)).toEqual([]);
    for (const statuses of seen) {
      expect([...statuses]).toContain(503);
      expect([...statuses]).toContain(200);
    }

    const client = await sql();
    try {
      // Every message acknowledged (all of them, by now) is stored exactly once, in order.
      for (const partner of partners) {
        const { rows } = await client.query<{ external_id: string; sequence: number }>(
          `select m.external_id, m.sequence from messages m
             join tickets t on t.id = m.ticket_id join end_users u on u.id = t.requester_id
            where u.external_id = $1 order by m.sequence`,
          [partner.externalUserId],
        );
        expect(rows.map((r) => [r.sequence, r.external_id])).toEqual(
          partner.sent.map((id, i) => [i + 1, id]),
        );
      }
      // The close that fell due during the outage happened once.
      const closeDeadline = performance.now() + 60_000;
      for (;;) {
        const { rows } = await client.query<{ status: string }>('select status from tickets where id = $1', [
          closeTicket,
        ]);
        if (rows[0]?.status === 'CLOSED') break;
        if (performance.now() > closeDeadline) throw new Error(`the due close never ran: ${rows[0]?.status}`);
        await sleep(200);
      }
      await sleep(1_500);
      const { rows } = await client.query<{ closes: number }>(
        `select count(*)::int as closes from ticket_events where ticket_id = $1 and to_status = 'CLOSED'`,
        [closeTicket],
      );
      expect(rows[0]!.closes).toBe(1);
    } finally {
      await client.end();
    }

    // Everything committed since the feeds started (the close included: nothing changes after it),
    // to each subscriber: the log's list, in its order, once.
    const log = await readLog(servers[0]!.url, ADMIN_TOKEN, filter, start);
    expect(log.length).toBeGreaterThan(0);
    try {
      for (const { feed } of feeds) {
        await feed.count(log.length, 60_000);
        expect(feed.errors).toEqual([]);
        expect(withoutBodies(feed.changes)).toEqual(log);
      }
      await resuming.count(log.length, 60_000);
      await sleep(200);
      expect(withoutBodies(resuming.changes)).toEqual(log);
      expect(duplicates(resuming.changes)).toEqual([]);
      expect(resuming.connections).toBeGreaterThan(1);
      // Connected throughout: not closed under the fault.
      for (const { socket } of feeds) expect(socket.socket.readyState).toBe(socket.socket.OPEN);
    } finally {
      await Promise.all([...openFeeds].map((feed) => feed.stop()));
      openFeeds.clear();
    }
  }

  it('(a) every Parley backend terminated, again and again for 2 s', async () => {
    await underFault(async () => {
      const client = await sql();
      try {
        const until = performance.now() + 2_000;
        while (performance.now() < until) {
          await client.query(
            `select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and pid <> pg_backend_pid()`,
          );
          await sleep(50);
        }
      } finally {
        await client.end();
      }
    });
  }, 180_000);

  it('(b) PostgreSQL stopped for 8 s and started again', async () => {
    await underFault(async () => {
      await database.stop();
      await sleep(8_000);
      database = await startEmbeddedPostgres({ dataDir, database: 'parley', port: database.port });
    });
  }, 180_000);

  it('(c) PostgreSQL frozen (SIGSTOP) for 6 s', async () => {
    await underFault(async () => {
      const pids = postgresPids(dataDir);
      for (const pid of pids) signal(pid, 'SIGSTOP');
      try {
        await sleep(6_000);
      } finally {
        for (const pid of pids) signal(pid, 'SIGCONT');
      }
    });
  }, 180_000);
});

/** A backend listed a moment ago may have ended since (a connection closing): nothing to signal. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The postmaster of `dataDir`'s cluster and every process it started. */
function postgresPids(dataDir: string): number[] {
  const pidFile = fs
    .readdirSync(dataDir, { recursive: true, encoding: 'utf8' })
    .find((f) => f.endsWith('postmaster.pid'));
  if (!pidFile) throw new Error(`no postmaster.pid under ${dataDir}`);
  const postmaster = Number(fs.readFileSync(path.join(dataDir, pidFile), 'utf8').split('\n')[0]);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((pid) => pid > 0);
  return [postmaster, ...children];
}
