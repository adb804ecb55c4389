import fs from 'node:fs';
import pg from 'pg';
import {
  ADMIN_TOKEN,
  EndUser,
  exited,
  gql,
  killServers,
  MAIN,
  sleep,
  startServer,
  type ServerProcess,
} from '../support/server-process';
import { parsePrometheusText } from '../support/prometheus-text';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import {
  failEveryOtherAttempt,
  receiverTime,
  startWebhookReceiver,
  type ReceivedRequest,
  type WebhookReceiver,
} from '../support/webhook-receiver';

/**
 * Issue 16, "Never lost, never doubled by us" (docs/domain.md "Outbound delivery to partners"):
 * real server processes on one database, a partner's receiver on loopback that fails every other
 * attempt of each event, and
 * - kill -9 of the server during a burst of changes, then a restart: every change is delivered; an
 *   event is answered 2xx twice only when its first 2xx came before the kill and the killed process
 *   had not recorded it yet (those are counted and printed);
 * - three processes sending one endpoint's deliveries: no delivery is ever in flight twice at once,
 *   and every attempt made is the one recorded.
 */

// Private targets refused as in production, loopback's 127.0.0.1 allowed by name; retries start at
// 50 ms. A lease is the timeout + 5 s: after the kill, what the killed process held is sent again
// once that has run out.
const WEBHOOK_ENV = {
  PARLEY_WEBHOOK_BLOCK_PRIVATE: 'true',
  PARLEY_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  PARLEY_WEBHOOK_RETRY_BASE_MS: '50',
};
// docs/domain.md: a process sends one endpoint at most this many requests at once.
const PER_ENDPOINT_IN_FLIGHT = 8;
// Everything here waits for conditions, never for a time; these only bound a hung run.
const DELIVERED_WITHIN_MS = 120_000;

/** A channel (built-in social style), a partner's token for it, and end users writing to it. */
async function channelOn(url: string): Promise<{ id: string; token: string }> {
  const { conversationStyles } = await gql<{ conversationStyles: { id: string; kind: string }[] }>(
    url,
    ADMIN_TOKEN,
    '{ conversationStyles { id kind } }',
  );
  const { createChannel } = await gql<{ createChannel: { token: string; channel: { id: string } } }>(
    url,
    ADMIN_TOKEN,
    `mutation($input: CreateChannelInput!) { createChannel(input: $input) { token channel { id } } }`,
    {
      input: {
        kind: 'WHATSAPP',
        name: 'Durable hooks',
        styleId: conversationStyles.find((s) => s.kind === 'SOCIAL_MESSAGING')!.id,
      },
    },
  );
  return { id: createChannel.channel.id, token: createChannel.token };
}

/** The channel's integration registers an endpoint at the receiver (every kind of change). */
async function endpointOn(url: string, channel: { token: string }, receiver: WebhookReceiver) {
  const { createWebhookEndpoint } = await gql<{
    createWebhookEndpoint: { secret: string; endpoint: { id: string } };
  }>(
    url,
    channel.token,
    `mutation($input: CreateWebhookEndpointInput!) {
       createWebhookEndpoint(input: $input) { secret endpoint { id } }
     }`,
    { input: { url: receiver.url() } },
  );
  receiver.setSecrets([createWebhookEndpoint.secret]);
  return createWebhookEndpoint.endpoint.id;
}

/**
 * Each end user sends `messages` messages one after another, each to whichever server `urlOf`
 * names then; one never answered (the kill) is sent again with the same externalMessageId until a
 * server answers it.
 */
async function burst(users: EndUser[], messages: number, urlOf: (user: number) => string): Promise<void> {
  await Promise.all(
    users.map(async (user, i) => {
      while (user.sent.length < messages || user.pending !== null) {
        if (await user.sendOne(urlOf(i))) continue;
        if (user.refusals.length > 0) throw new Error(`refused: ${JSON.stringify(user.refusals)}`);
        await sleep(50);
      }
    }),
  );
}

interface LoggedChange {
  id: string;
  stream_xid: string;
  ticket_id: string;
  kind: string;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  status: string;
  attempts: number;
  lease_owner: string | null;
}

/** The channel's changes in log order: everything its endpoint, created before them, must receive. */
async function changesOf(sql: pg.Client, channelId: string): Promise<LoggedChange[]> {
  const { rows } = await sql.query<LoggedChange>(
    // Ordered by the columns, not by the text they are read as.
    `select e.id::text, e.stream_xid::text, e.ticket_id, e.kind from ticket_events e
      where e.channel_id = $1 order by e.stream_xid, e.id`,
    [channelId],
  );
  return rows;
}

async function deliveriesOf(sql: pg.Client, endpointId: string): Promise<Map<string, DeliveryRow>> {
  const { rows } = await sql.query<DeliveryRow>(
    `select id, event_id::text, status, attempts, lease_owner from webhook_deliveries where endpoint_id = $1`,
    [endpointId],
  );
  return new Map(rows.map((row) => [row.event_id, row]));
}

/** Until every change of the channel has a delivery and none is PENDING any more. */
async function everyChangeSettled(
  sql: pg.Client,
  channelId: string,
  endpointId: string,
  explain: () => string,
): Promise<void> {
  const deadline = performance.now() + DELIVERED_WITHIN_MS;
  for (;;) {
    const { rows } = await sql.query<{ changes: number; deliveries: number; pending: number }>(
      `select (select count(*)::int from ticket_events where channel_id = $1) as changes,
              count(*)::int as deliveries,
              count(*) filter (where status = 'PENDING')::int as pending
         from webhook_deliveries where endpoint_id = $2`,
      [channelId, endpointId],
    );
    const { changes, deliveries, pending } = rows[0]!;
    if (changes > 0 && deliveries === changes && pending === 0) return;
    if (performance.now() > deadline)
      throw new Error(
        `not settled: ${changes} changes, ${deliveries} deliveries, ${pending} pending\n${explain()}`,
      );
    await sleep(200);
  }
}

/** The log position a Parley-Event-Id (a stream cursor, `s1:<xid>:<id>` in base64url) names. */
function positionOf(eventId: string): { xid: string; id: string } {
  const [version, xid, id] = Buffer.from(eventId, 'base64url').toString('utf8').split(':');
  if (version !== 's1' || !xid || !id) throw new Error(`not a stream cursor: ${eventId}`);
  return { xid, id };
}

/** What the receiver saw of each change, keyed by ticket_events.id; every request checked on the way. */
function requestsByChange(
  receiver: WebhookReceiver,
  changes: readonly LoggedChange[],
  deliveries: ReadonlyMap<string, DeliveryRow>,
): Map<string, ReceivedRequest[]> {
  const logged = new Map(changes.map((c) => [c.id, c]));
  const byChange = new Map<string, ReceivedRequest[]>(changes.map((c) => [c.id, []]));
  for (const request of receiver.requests) {
    const { xid, id } = positionOf(request.eventId);
    const change = logged.get(id);
    if (!change) throw new Error(`a request for a change that is not the channel's: ${request.eventId}`);
    expect({ verified: request.verified, xid, bodyId: request.json?.id }).toEqual({
      verified: true,
      xid: change.stream_xid,
      bodyId: request.eventId,
    });
    expect(request.json?.ticket.id).toBe(change.ticket_id);
    expect(request.json?.kind).toBe(change.kind);
    expect(request.deliveryId).toBe(deliveries.get(id)?.id);
    byChange.get(id)!.push(request);
  }
  return byChange;
}

/** Per ticket, each change's first 2xx arrives after the one of the change before it in the log. */
function expectTicketOrder(
  receiver: WebhookReceiver,
  changes: readonly LoggedChange[],
  byChange: ReadonlyMap<string, ReceivedRequest[]>,
): void {
  const arrival = new Map(receiver.requests.map((request, i) => [request, i]));
  const lastByTicket = new Map<string, number>();
  const outOfOrder: string[] = [];
  for (const change of changes) {
    const first = byChange.get(change.id)!.find((r) => r.mode === 'ok')!;
    const at = arrival.get(first)!;
    if (at < (lastByTicket.get(change.ticket_id) ?? -1))
      outOfOrder.push(`change ${change.id} of ticket ${change.ticket_id} arrived before the one before it`);
    lastByTicket.set(change.ticket_id, at);
  }
  expect(outOfOrder).toEqual([]);
}

describe('webhook deliveries across kill -9 and processes (issue 16)', () => {
  let db: TestDatabase;
  let sql: pg.Client;
  const receivers: WebhookReceiver[] = [];

  beforeAll(() => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm test builds it first (npm run build)`);
  });
  beforeEach(async () => {
    db = await createTestDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });
  afterEach(async () => {
    await killServers();
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await sql?.end();
    await db?.drop();
  });

  async function failingEveryOther(): Promise<WebhookReceiver> {
    const receiver = await startWebhookReceiver();
    receiver.respond(failEveryOtherAttempt());
    receivers.push(receiver);
    return receiver;
  }

  it('delivers every change after a kill -9 mid-burst; only a 2xx not yet recorded at the kill is sent again', async () => {
    const USERS = 24;
    const MESSAGES = 12;
    // Well into the burst's deliveries (about two requests per change), with most still to come.
    const REQUESTS_BEFORE_KILL = 150;
    const env = { ...WEBHOOK_ENV, PARLEY_WEBHOOK_TIMEOUT_MS: '2000' };

    const receiver = await failingEveryOther();
    const first = await startServer(db.url, env);
    const channel = await channelOn(first.url);
    const endpointId = await endpointOn(first.url, channel, receiver);
    const users = Array.from({ length: USERS }, (_, i) => new EndUser(`hook-${i}`, channel));

    let current: ServerProcess = first;
    const load = burst(users, MESSAGES, () => current.url);
    await receiver.waitFor(
      (rs) => rs.length >= REQUESTS_BEFORE_KILL,
      `${REQUESTS_BEFORE_KILL} requests`,
      DELIVERED_WITHIN_MS,
    );
    process.kill(first.child.pid!, 'SIGKILL');
    await exited(first.child);
    const acknowledgedAtKill = users.reduce((n, u) => n + u.answers.size, 0);

    // The database as the killed process left it: what it had recorded, and what it held leased.
    const changesAtKill = (await changesOf(sql, channel.id)).length;
    const atKill = await deliveriesOf(sql, endpointId);
    const leasedAtKill = [...atKill.values()].filter((d) => d.status === 'PENDING' && d.lease_owner !== null);
    // Every request that reached the receiver until now was sent by the killed process.
    const restartedAt = receiverTime();
    const requestsBeforeRestart = receiver.requests.length;

    current = await startServer(db.url, env);
    await load;
    await everyChangeSettled(sql, channel.id, endpointId, () => current.output());

    const changes = await changesOf(sql, channel.id);
    const deliveries = await deliveriesOf(sql, endpointId);
    expect(changes).toHaveLength(USERS * (MESSAGES + 1));
    // The kill came before the last change was delivered.
    expect([...atKill.values()].filter((d) => d.status === 'DELIVERED').length).toBeLessThan(changes.length);
    expect([...deliveries.values()].filter((d) => d.status !== 'DELIVERED')).toEqual([]);

    const byChange = requestsByChange(receiver, changes, deliveries);
    const resentAfter2xx: string[] = [];
    const doubled: string[] = [];
    for (const change of changes) {
      const requests = byChange.get(change.id)!;
      const taken = requests.filter((r) => r.mode === 'ok');
      const killed = taken.filter((r) => r.startedAt < restartedAt);
      const restarted = taken.filter((r) => r.startedAt >= restartedAt);
      // At least once: every change answered 2xx, with a valid signature (checked above).
      expect(taken.length).toBeGreaterThanOrEqual(1);
      const recordedAtKill = atKill.get(change.id)?.status === 'DELIVERED';
      // At most once after a 2xx was recorded: nothing more is sent for it, by anyone.
      if (recordedAtKill && requests.some((r) => r.startedAt >= restartedAt)) doubled.push(change.id);
      // Each process answered 2xx at most once for it.
      if (killed.length > 1 || restarted.length > 1) doubled.push(change.id);
      // Sent again after a 2xx: only when that 2xx came before the kill and was not recorded, so the
      // delivery was still leased by the killed process.
      if (killed.length === 1 && restarted.length === 1) {
        if (recordedAtKill || !atKill.get(change.id)?.lease_owner) doubled.push(change.id);
        else resentAfter2xx.push(change.id);
      }
    }
    expect(doubled).toEqual([]);
    // The killed process had at most its per-endpoint cap in flight, and only those can repeat.
    expect(leasedAtKill.length).toBeLessThanOrEqual(PER_ENDPOINT_IN_FLIGHT);
    expect(resentAfter2xx.length).toBeLessThanOrEqual(leasedAtKill.length);
    expectTicketOrder(receiver, changes, byChange);

    console.log(
      [
        `kill -9 mid-burst: ${changes.length} changes (${changesAtKill} committed before the kill, ` +
          `${acknowledgedAtKill} of ${USERS * MESSAGES} messages acknowledged), ${receiver.requests.length} requests ` +
          `(${requestsBeforeRestart} before the restart).`,
        `At the kill ${[...atKill.values()].filter((d) => d.status === 'DELIVERED').length} deliveries were recorded DELIVERED and ` +
          `${leasedAtKill.length} were leased (in flight) by the killed process.`,
        `Answered 2xx before the kill but not yet recorded, so sent again after the restart: ${resentAfter2xx.length}.`,
      ].join('\n'),
    );
    current.child.kill('SIGTERM');
    await exited(current.child);
  }, 300_000);

  it('with 3 processes on one database, each delivery is in flight in one process at a time, and all arrive', async () => {
    const USERS = 30;
    const MESSAGES = 8;
    // A lease (timeout + 5 s) far longer than the receiver takes to answer: none runs out.
    const env = { ...WEBHOOK_ENV, PARLEY_WEBHOOK_TIMEOUT_MS: '5000' };

    const receiver = await failingEveryOther();
    // One at a time: the first runs the migrations.
    const servers: ServerProcess[] = [];
    for (let i = 0; i < 3; i++) servers.push(await startServer(db.url, env));
    const channel = await channelOn(servers[0]!.url);
    const endpointId = await endpointOn(servers[1]!.url, channel, receiver);
    const users = Array.from({ length: USERS }, (_, i) => new EndUser(`three-${i}`, channel));
    // Each end user writes through one of the three: every process commits changes and follows the log.
    await burst(users, MESSAGES, (i) => servers[i % servers.length]!.url);
    await everyChangeSettled(sql, channel.id, endpointId, () =>
      servers.map((s, i) => `server ${i + 1}:\n${s.output()}`).join('\n'),
    );

    const changes = await changesOf(sql, channel.id);
    const deliveries = await deliveriesOf(sql, endpointId);
    expect(changes).toHaveLength(USERS * (MESSAGES + 1));
    expect([...deliveries.values()].filter((d) => d.status !== 'DELIVERED')).toEqual([]);
    const byChange = requestsByChange(receiver, changes, deliveries);

    const overlapping: string[] = [];
    const unrecorded: string[] = [];
    for (const change of changes) {
      const requests = byChange.get(change.id)!;
      const attempts = [...requests].sort((a, b) => a.startedAt - b.startedAt);
      for (let i = 1; i < attempts.length; i++) {
        const before = attempts[i - 1]!;
        if (before.endedAt === null || attempts[i]!.startedAt < before.endedAt)
          overlapping.push(`${attempts[i]!.deliveryId}: attempt ${i + 1} began before attempt ${i} ended`);
      }
      // The 500, then the 2xx: each attempt was made once and recorded by the process that made it.
      expect(requests.map((r) => r.mode)).toEqual(['fail', 'ok']);
      if (deliveries.get(change.id)!.attempts !== requests.length) unrecorded.push(change.id);
    }
    expect(overlapping).toEqual([]);
    expect(unrecorded).toEqual([]);
    expectTicketOrder(receiver, changes, byChange);

    // Which process made the attempts (each counts its own): the check above spans processes.
    const attemptsBy = await Promise.all(
      servers.map(async (server) => {
        const res = await fetch(server.url.replace(/\/graphql$/, '/metrics'), {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const family = parsePrometheusText(await res.text()).get('parley_webhook_deliveries_total');
        return (family?.samples ?? []).reduce((n, s) => n + s.value, 0);
      }),
    );
    expect(attemptsBy.reduce((a, b) => a + b, 0)).toBe(receiver.requests.length);
    expect(attemptsBy.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    console.log(
      `3 processes: ${changes.length} changes, ${receiver.requests.length} requests; attempts by process: ${attemptsBy.join(' / ')}`,
    );
  }, 300_000);
});
