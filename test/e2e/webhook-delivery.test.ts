import pg from 'pg';
import type { WebhookConfig } from '../../src/config/config';
import {
  CreateWebhookEndpointDocument,
  RotateWebhookSecretDocument,
  TicketChangesDocument,
  WebhookEndpointDocument,
  type TicketChangeKind,
} from '../generated/operations';
import { createChannel, receive } from '../support/fixtures';
import { parsePrometheusText } from '../support/prometheus-text';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';
import {
  parseSignature,
  startWebhookReceiver,
  verifySignature,
  type ReceivedRequest,
  type ReceiverMode,
  type WebhookReceiver,
} from '../support/webhook-receiver';

// Small values: an attempt that hangs is abandoned after 3 s (long enough that a test can watch a
// slow endpoint's requests hang while others flow), retries start at 50 ms, and the third failed
// attempt gives up. Private targets are refused, loopback's 127.0.0.1 excepted, so the refusal at
// send time is real.
const WEBHOOKS: Partial<WebhookConfig> = {
  timeoutMs: 3_000,
  retryBaseMs: 50,
  maxAttempts: 3,
  retentionDays: 30,
  blockPrivateAddresses: true,
  allowedHosts: ['127.0.0.1'],
};
const PER_ENDPOINT_IN_FLIGHT = 8;

// The clock is the test's: a failed delivery is due again only when the test moves it (a second at a
// time, well inside a lease), so what is held back stays held back until then.
let t: TestApp;
const receivers: WebhookReceiver[] = [];
const endpoints: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ webhooks: WEBHOOKS });
});
afterAll(async () => {
  await sql(`update webhook_endpoints set enabled = false`);
  await Promise.all(receivers.map((r) => r.close()));
  await t.close();
});
// Each test's endpoints stop receiving after it, so its leftovers reach no later test.
afterEach(async () => {
  if (endpoints.length > 0)
    await sql(`update webhook_endpoints set enabled = false where id = any(?::uuid[])`, [
      `{${endpoints.join(',')}}`,
    ]);
  endpoints.length = 0;
});

function sql<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  return t.app.orm.em.fork().execute<R[]>(text, params);
}

async function receiver(mode: ReceiverMode | Parameters<WebhookReceiver['respond']>[0] = 'ok') {
  const r = await startWebhookReceiver();
  r.respond(mode);
  receivers.push(r);
  return r;
}

/** An endpoint through createWebhookEndpoint; the receiver verifies with its secret. */
async function endpoint(
  r: WebhookReceiver,
  options: { token?: string; channelId?: string | null; kinds?: TicketChangeKind[] } = {},
) {
  const { createWebhookEndpoint } = await t.client.ok(
    CreateWebhookEndpointDocument,
    { input: { url: r.url(), channelId: options.channelId, kinds: options.kinds } },
    options.token ?? t.adminToken,
  );
  r.setSecrets([createWebhookEndpoint.secret]);
  endpoints.push(createWebhookEndpoint.endpoint.id);
  return { id: createWebhookEndpoint.endpoint.id, secret: createWebhookEndpoint.secret };
}

interface DeliveryRow {
  id: string;
  event_id: string;
  ticket_id: string;
  status: string;
  attempts: number;
  response_status: number | null;
  last_error: string | null;
  /** As PostgreSQL prints a timestamptz. */
  next_attempt_at: string | null;
  delivered_at: string | null;
  lease_owner: string | null;
}

/** An endpoint's deliveries in stream order. */
function deliveries(endpointId: string): Promise<DeliveryRow[]> {
  return sql<DeliveryRow>(
    `select id, event_id::text, ticket_id, status, attempts, response_status, last_error, next_attempt_at,
            delivered_at, lease_owner
       from webhook_deliveries where endpoint_id = ? order by stream_xid, event_id`,
    [endpointId],
  );
}

async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (performance.now() > deadline) throw new Error(`never: ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A channel's changes in stream order, as ticketChanges reads them: their cursors are the event ids. */
async function changesOf(channelId: string) {
  const { ticketChanges } = await t.client.ok(
    TicketChangesDocument,
    { filter: { channelId }, first: 100 },
    t.adminToken,
  );
  return ticketChanges.edges.map((e) => ({
    cursor: e.cursor,
    kind: e.node.kind,
    ticketId: e.node.ticket.id,
  }));
}

const eventIds = (requests: readonly ReceivedRequest[], ticketId?: string) =>
  requests.filter((r) => ticketId === undefined || r.json?.ticket.id === ticketId).map((r) => r.eventId);

/** A second on the test's clock: retries that were waiting for it fall due (the sender polls each second). */
const tick = () => t.clock.advance(1);

it('delivers a change signed with the documented scheme, as the documented document, and records it', async () => {
  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  const r = await receiver();
  const hook = await endpoint(r, { token: channel.token });
  const received = await receive(t, channel, 'user-1', 'Hello there', {
    displayName: 'Jiwoo',
    externalMessageId: 'wamid-1',
  });
  await r.waitFor((rs) => rs.length === 2, 'the CREATED and MESSAGE_ADDED changes');

  const changes = await changesOf(channel.id);
  expect(changes.map((c) => c.kind)).toEqual(['CREATED', 'MESSAGE_ADDED']);
  expect(r.requests.map((q) => q.eventId)).toEqual(changes.map((c) => c.cursor));
  const rows = await until(
    () => deliveries(hook.id),
    (ds) => ds.every((d) => d.status === 'DELIVERED'),
    'both recorded as delivered',
  );
  for (const [i, request] of r.requests.entries()) {
    expect(request.verified).toBe(true);
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('Parley-Webhooks');
    expect(request.json?.id).toBe(request.eventId);
    expect(request.deliveryId).toBe(rows[i]!.id);
    // Signed at the clock's time, one v1 for the one secret.
    expect(parseSignature(request.signature)).toEqual({
      t: String(Math.floor(t.clock.now().getTime() / 1000)),
      v1: [expect.stringMatching(/^[0-9a-f]{64}$/)],
    });
  }
  const message = r.requests[1]!.json!;
  expect(message).toEqual({
    id: changes[1]!.cursor,
    kind: 'MESSAGE_ADDED',
    at: t.clock.now().toISOString(),
    ticket: {
      id: received.ticket.id,
      status: 'NEW',
      priority: 'NORMAL',
      channel: { id: channel.id, kind: 'WEB_WIDGET', name: expect.any(String) },
      requester: { id: received.ticket.requester.id, externalId: 'user-1', displayName: 'Jiwoo' },
      assignee: null,
      createdAt: received.ticket.createdAt,
    },
    message: {
      id: received.message.id,
      sequence: 1,
      authorType: 'END_USER',
      body: 'Hello there',
      externalId: 'wamid-1',
      clientMessageId: null,
      createdAt: received.message.createdAt,
      attachments: [],
    },
  });
  expect(r.requests[0]!.json).toMatchObject({
    kind: 'CREATED',
    message: null,
    ticket: { id: received.ticket.id },
  });

  for (const row of rows) {
    expect(row).toMatchObject({
      status: 'DELIVERED',
      attempts: 1,
      response_status: 200,
      last_error: null,
      next_attempt_at: null,
      lease_owner: null,
    });
    expect(new Date(row.delivered_at!).toISOString()).toBe(t.clock.now().toISOString());
  }

  const res = await fetch(t.httpUrl.replace(/\/graphql$/, '/metrics'), {
    headers: { authorization: `Bearer ${t.adminToken}` },
  });
  const families = parsePrometheusText(await res.text());
  const delivered = families
    .get('parley_webhook_deliveries_total')
    ?.samples.find((s) => s.labels.outcome === 'DELIVERED');
  expect(delivered?.value).toBeGreaterThanOrEqual(2);
  expect(families.get('parley_webhook_attempt_duration_seconds')?.type).toBe('histogram');
  expect(families.get('parley_webhook_pending_deliveries')?.type).toBe('gauge');
});

it('retries after a 500, a timeout and a closed connection with the same event and delivery ids, then delivers', async () => {
  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  // Per event: what each attempt gets.
  const scripts = new Map<string, ReceiverMode[]>();
  const r = await receiver((request) => {
    const script = request.json?.message?.body === 'A' ? ['fail', 'destroy', 'ok'] : ['hang', 'ok'];
    const attempt = scripts.get(request.eventId) ?? [];
    const mode = (script[attempt.length] ?? 'ok') as ReceiverMode;
    scripts.set(request.eventId, [...attempt, mode]);
    return mode;
  });
  const hook = await endpoint(r, { channelId: channel.id, kinds: ['MESSAGE_ADDED'] });
  const a = await receive(t, channel, 'user-a', 'A');
  const b = await receive(t, channel, 'user-b', 'B');
  const row = (rows: DeliveryRow[], ticketId: string) => rows.find((d) => d.ticket_id === ticketId)!;

  let rows = await until(
    () => deliveries(hook.id),
    (ds) => ds.length === 2 && ds.every((d) => d.attempts === 1),
    'both first attempts recorded',
  );
  expect(row(rows, a.ticket.id)).toMatchObject({
    status: 'PENDING',
    response_status: 500,
    last_error: 'HTTP 500',
  });
  expect(row(rows, b.ticket.id)).toMatchObject({
    status: 'PENDING',
    response_status: null,
    last_error: 'no answer within 3000 ms',
  });
  for (const d of rows)
    expect(new Date(d.next_attempt_at!).getTime()).toBeGreaterThan(t.clock.now().getTime());

  tick();
  rows = await until(
    () => deliveries(hook.id),
    (ds) => row(ds, a.ticket.id).attempts === 2 && row(ds, b.ticket.id).status === 'DELIVERED',
    'the second attempts recorded',
  );
  expect(row(rows, a.ticket.id)).toMatchObject({ status: 'PENDING', response_status: null });
  expect(row(rows, a.ticket.id).last_error).toMatch(/closed|socket|reset/i);
  expect(row(rows, b.ticket.id)).toMatchObject({ attempts: 2, response_status: 200, last_error: null });

  tick();
  rows = await until(
    () => deliveries(hook.id),
    (ds) => ds.every((d) => d.status === 'DELIVERED'),
    'A delivered on its third attempt',
  );
  expect(row(rows, a.ticket.id)).toMatchObject({ attempts: 3, response_status: 200, last_error: null });

  for (const [ticketId, modes] of [
    [a.ticket.id, ['fail', 'destroy', 'ok']],
    [b.ticket.id, ['hang', 'ok']],
  ] as const) {
    const attempts = r.requests.filter((q) => q.json?.ticket.id === ticketId);
    expect(attempts.map((q) => q.mode)).toEqual(modes);
    expect(new Set(attempts.map((q) => q.eventId)).size).toBe(1);
    expect(new Set(attempts.map((q) => q.deliveryId))).toEqual(new Set([row(rows, ticketId).id]));
    expect(attempts.every((q) => q.verified)).toBe(true);
  }
});

it('gives up after maxAttempts, marks the endpoint failing, and a later 2xx ends that', async () => {
  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  const r = await receiver('fail');
  const hook = await endpoint(r, { channelId: channel.id, kinds: ['MESSAGE_ADDED'] });
  await receive(t, channel, 'user-1', 'never taken');
  for (let attempt = 1; attempt <= 3; attempt++) {
    await until(
      () => deliveries(hook.id),
      (ds) => ds[0]?.attempts === attempt,
      `attempt ${attempt} recorded`,
    );
    tick();
  }
  const [gaveUp] = await deliveries(hook.id);
  expect(gaveUp).toMatchObject({
    status: 'GAVE_UP',
    attempts: 3,
    next_attempt_at: null,
    last_error: 'HTTP 500',
  });
  const [failing] = await sql<{ failing_since: string | null; enabled: boolean }>(
    `select failing_since, enabled from webhook_endpoints where id = ?`,
    [hook.id],
  );
  expect(failing!.failing_since).not.toBeNull();
  expect(failing!.enabled).toBe(true);

  // The clock has moved past every retry it could have had: the next request the receiver sees is
  // the next change's, so the one that gave up was sent exactly three times.
  r.respond('ok');
  await receive(t, channel, 'user-2', 'taken');
  await r.waitFor((rs) => rs.some((q) => q.json?.message?.body === 'taken'), 'the next change');
  expect(r.requests.map((q) => q.json?.message?.body)).toEqual([
    'never taken',
    'never taken',
    'never taken',
    'taken',
  ]);
  await until(
    () =>
      sql<{ failing_since: string | null }>(`select failing_since from webhook_endpoints where id = ?`, [
        hook.id,
      ]),
    ([e]) => e?.failing_since === null,
    'the failing streak ended by a 2xx',
  );
});

it("holds a ticket's later changes while an earlier one is failing, and lets other tickets' changes through", async () => {
  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  // Ticket A's first message fails until told otherwise; everything else is taken.
  let failA1 = true;
  const r = await receiver((request) => (failA1 && request.json?.message?.body === 'a1' ? 'fail' : 'ok'));
  const hook = await endpoint(r, { channelId: channel.id });
  const a = (await receive(t, channel, 'user-a', 'a1')).ticket.id;
  await receive(t, channel, 'user-a', 'a2');
  const b = (await receive(t, channel, 'user-b', 'b1')).ticket.id;
  await receive(t, channel, 'user-a', 'a3');
  await receive(t, channel, 'user-b', 'b2');
  const changes = await changesOf(channel.id);
  const streamOf = (ticketId: string) => changes.filter((c) => c.ticketId === ticketId).map((c) => c.cursor);
  expect(streamOf(a)).toHaveLength(4); // CREATED, a1, a2, a3
  expect(streamOf(b)).toHaveLength(3); // CREATED, b1, b2

  const rows = await until(
    () => deliveries(hook.id),
    (ds) =>
      ds.length === 7 &&
      ds.filter((d) => d.ticket_id === b).every((d) => d.status === 'DELIVERED') &&
      ds.some((d) => d.attempts === 1 && d.status === 'PENDING'),
    "B delivered while A's failing change waits for its retry",
  );
  expect(rows.filter((d) => d.ticket_id === a).map((d) => [d.status, d.attempts])).toEqual([
    ['DELIVERED', 1],
    ['PENDING', 1],
    ['PENDING', 0],
    ['PENDING', 0],
  ]);
  expect(eventIds(r.requests, a)).toEqual(streamOf(a).slice(0, 2));
  expect(eventIds(r.requests, b)).toEqual(streamOf(b));

  failA1 = false;
  tick();
  await r.waitFor((rs) => eventIds(rs, a).length === 5, "the rest of A's changes");
  // In stream order, the failed one again first, with the same event id.
  expect(eventIds(r.requests, a)).toEqual([streamOf(a)[0], streamOf(a)[1], ...streamOf(a).slice(1)]);
  await until(
    () => deliveries(hook.id),
    (ds) => ds.every((d) => d.status === 'DELIVERED'),
    'every delivery recorded as delivered',
  );
});

it("does not let a slow endpoint hold up another endpoint's deliveries", async () => {
  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  const slow = await receiver('hang');
  const fast = await receiver('ok');
  let mostInFlight = 0;
  slow.respond(() => {
    mostInFlight = Math.max(mostInFlight, slow.inFlight());
    return 'hang';
  });
  const slowHook = await endpoint(slow, { channelId: channel.id });
  await endpoint(fast, { channelId: channel.id });
  // More tickets than a process sends to at once (64): were the slow endpoint not capped, its
  // hanging requests would take every slot.
  const tickets = 70;
  for (let i = 0; i < tickets; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, tickets - i) }, (_, j) =>
        receive(t, channel, `user-${i + j}`, `message ${i + j}`),
      ),
    );
  }

  await fast.waitFor((rs) => rs.length === tickets * 2, 'every change at the fast endpoint', 30_000);
  // Meanwhile the slow endpoint has had its cap's worth in flight, never more, and most of its
  // backlog is still waiting for a slot.
  expect(mostInFlight).toBe(PER_ENDPOINT_IN_FLIGHT);
  const slowRows = await deliveries(slowHook.id);
  expect(slowRows).toHaveLength(tickets * 2);
  expect(slowRows.filter((d) => d.status === 'DELIVERED')).toHaveLength(0);
  expect(slowRows.filter((d) => d.attempts === 0).length).toBeGreaterThan(tickets);
  expect(fast.requests.every((q) => q.verified)).toBe(true);
});

it("sends an endpoint only its channel's changes, of the kinds it asked for", async () => {
  const x = await createChannel(t, 'SOCIAL_MESSAGING');
  const y = await createChannel(t, 'SOCIAL_MESSAGING');
  const integrationX = await receiver();
  const everything = await receiver();
  const createdOnY = await receiver();
  // The integration's own endpoint (no channelId: its channel), messages only.
  const hookX = await endpoint(integrationX, { token: x.token, kinds: ['MESSAGE_ADDED'] });
  const hookAll = await endpoint(everything, { channelId: null });
  const hookY = await endpoint(createdOnY, { channelId: y.id, kinds: ['CREATED'] });

  await receive(t, y, 'user-y', 'on Y');
  await receive(t, x, 'user-x', 'on X');
  const ofX = await changesOf(x.id);
  const ofY = await changesOf(y.id);

  const last = [...ofX, ...ofY]
    .map((c) => c.cursor)
    .sort(byPosition)
    .at(-1)!;
  await until(
    () => passed([hookX.id, hookAll.id, hookY.id], last),
    (ok) => ok,
    'every endpoint past the last change',
  );
  await integrationX.waitFor((rs) => rs.length === 1, "X's message");
  await everything.waitFor(
    (rs) => eventIds(rs).filter((id) => [...ofX, ...ofY].some((c) => c.cursor === id)).length === 4,
    'all four changes',
  );
  await createdOnY.waitFor((rs) => rs.length === 1, "Y's ticket created");
  expect(integrationX.requests[0]!.eventId).toBe(ofX.find((c) => c.kind === 'MESSAGE_ADDED')!.cursor);
  expect(createdOnY.requests[0]!.eventId).toBe(ofY.find((c) => c.kind === 'CREATED')!.cursor);
  // X's delivery exists, so X's endpoint has passed every change before it, Y's among them.
  expect(await deliveries(hookX.id)).toHaveLength(1);
  expect(await deliveries(hookY.id)).toHaveLength(1);
  const seenByAll = (await deliveries(hookAll.id)).map((d) => d.event_id);
  for (const c of [...ofY, ...ofX]) expect(seenByAll).toContain(eventIdOf(c.cursor));
});

it('refuses a private target at send time: no request reaches it, and the log says why', async () => {
  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  const r = await receiver();
  const byName = await endpoint(r, { channelId: channel.id, kinds: ['MESSAGE_ADDED'] });
  const byAddress = await endpoint(r, { channelId: channel.id, kinds: ['MESSAGE_ADDED'] });
  // Saved with the allowed 127.0.0.1, then pointed elsewhere behind the save check's back: a name
  // that resolves to loopback (as a rebinding name would), and an IP literal of loopback.
  const port = new URL(r.url()).port;
  await sql(`update webhook_endpoints set url = ? where id = ?`, [
    `http://localhost:${port}/hooks`,
    byName.id,
  ]);
  await sql(`update webhook_endpoints set url = ? where id = ?`, [
    `http://[::1]:${port}/hooks`,
    byAddress.id,
  ]);
  await receive(t, channel, 'user-1', 'to nobody');

  for (const hook of [byName, byAddress]) {
    const [row] = await until(
      () => deliveries(hook.id),
      (ds) => ds[0]?.attempts === 1,
      'the attempt recorded',
    );
    expect(row).toMatchObject({ status: 'PENDING', response_status: null });
    expect(row!.last_error).toMatch(/^refused: .*loopback address; webhooks go to public addresses only/);
  }
  expect(r.requests).toHaveLength(0);
});

it('signs with both secrets while the rotated-out one is valid, then with the new one alone', async () => {
  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  const r = await receiver();
  const hook = await endpoint(r, { channelId: channel.id, kinds: ['MESSAGE_ADDED'] });
  const { rotateWebhookSecret } = await t.client.ok(
    RotateWebhookSecretDocument,
    { id: hook.id },
    t.adminToken,
  );
  const fresh = rotateWebhookSecret.secret;
  expect(fresh).not.toBe(hook.secret);
  r.setSecrets([fresh]);

  await receive(t, channel, 'user-1', 'during the overlap');
  await r.waitFor((rs) => rs.length === 1, 'the delivery during the overlap');
  const overlap = r.requests[0]!;
  expect(parseSignature(overlap.signature)?.v1).toHaveLength(2);
  expect(verifySignature(overlap.signature, overlap.rawBody, hook.secret)).toBe(true);
  expect(verifySignature(overlap.signature, overlap.rawBody, fresh)).toBe(true);
  expect(verifySignature(overlap.signature, overlap.rawBody, 'whsec_someone_else')).toBe(false);

  // The overlap's end, on the clock.
  await sql(`update webhook_endpoints set previous_secret_expires_at = ? where id = ?`, [
    t.clock.now(),
    hook.id,
  ]);
  await receive(t, channel, 'user-2', 'after the overlap');
  await r.waitFor((rs) => rs.length === 2, 'the delivery after the overlap');
  const after = r.requests[1]!;
  expect(parseSignature(after.signature)?.v1).toHaveLength(1);
  expect(verifySignature(after.signature, after.rawBody, fresh)).toBe(true);
  expect(verifySignature(after.signature, after.rawBody, hook.secret)).toBe(false);
});

it('prunes delivered deliveries past the retention, and only those', async () => {
  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  const r = await receiver();
  const hook = await endpoint(r, { channelId: channel.id });
  await receive(t, channel, 'user-1', 'one');
  const rows = await until(
    () => deliveries(hook.id),
    (ds) => ds.length === 2 && ds.every((d) => d.status === 'DELIVERED'),
    'two delivered',
  );
  const [old, recent] = rows as [DeliveryRow, DeliveryRow];
  const days = (n: number) => new Date(t.clock.now().getTime() - n * 86_400_000);
  // One delivered 31 days ago; one given up as long ago (kept: what never arrived stays visible).
  await sql(`update webhook_deliveries set created_at = ?, delivered_at = ? where id = ?`, [
    days(31),
    days(31),
    old.id,
  ]);
  await receive(t, channel, 'user-1', 'two');
  const gaveUp = (
    await until(
      () => deliveries(hook.id),
      (ds) => ds.length === 3,
      'a third',
    )
  )[2]!;
  await until(
    () => deliveries(hook.id),
    (ds) => ds[2]?.status === 'DELIVERED',
    'the third delivered',
  );
  await sql(
    `update webhook_deliveries set status = 'GAVE_UP', delivered_at = null, created_at = ? where id = ?`,
    [days(40), gaveUp.id],
  );

  const { pruned } = await t.app.services.webhookDelivery.upkeep();
  expect(pruned).toBeGreaterThanOrEqual(1);
  expect((await deliveries(hook.id)).map((d) => d.id).sort()).toEqual([recent.id, gaveUp.id].sort());
});

it('disables an endpoint whose deliveries have all given up for 24 h, with a reason', async () => {
  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  const r = await receiver('fail');
  const hook = await endpoint(r, { channelId: channel.id, kinds: ['MESSAGE_ADDED'] });
  const quiet = await endpoint(await receiver(), { channelId: channel.id, kinds: ['REOPENED'] });
  const recent = await endpoint(await receiver(), { channelId: channel.id, kinds: ['REOPENED'] });
  const since = new Date(t.clock.now().getTime() - 25 * 3_600_000);
  await sql(`update webhook_endpoints set failing_since = ? where id = any(?::uuid[])`, [
    since,
    `{${hook.id},${quiet.id}}`,
  ]);
  await sql(`update webhook_endpoints set failing_since = ? where id = ?`, [t.clock.now(), recent.id]);

  // A delivery of the first gives up: the endpoint has failed for over 24 h, so it is disabled.
  await receive(t, channel, 'user-1', 'never taken');
  for (let attempt = 1; attempt <= 3; attempt++) {
    await until(
      () => deliveries(hook.id),
      (ds) => ds[0]?.attempts === attempt,
      `attempt ${attempt} recorded`,
    );
    tick();
  }
  const disabled = await until(
    async () => (await t.client.ok(WebhookEndpointDocument, { id: hook.id }, t.adminToken)).webhookEndpoint,
    (e) => e?.enabled === false,
    'the endpoint disabled',
  );
  expect(disabled!.disabledReason).toBe(
    `disabled: every delivery has given up since ${since.toISOString()} (24 h without a 2xx answer)`,
  );

  // The sweep's upkeep disables the quiet one too; the one failing for a few seconds stays enabled.
  const { disabled: count } = await t.app.services.webhookDelivery.upkeep();
  expect(count).toBeGreaterThanOrEqual(1);
  const states = await sql<{ id: string; enabled: boolean }>(
    `select id, enabled from webhook_endpoints where id = any(?::uuid[])`,
    [`{${quiet.id},${recent.id}}`],
  );
  expect(Object.fromEntries(states.map((s) => [s.id, s.enabled]))).toEqual({
    [quiet.id]: false,
    [recent.id]: true,
  });
});

/** The log position inside a stream cursor (`s1:<xid>:<id>`, base64url). */
function positionIn(cursor: string): { xid: bigint; id: bigint } {
  const [, xid, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  return { xid: BigInt(xid!), id: BigInt(id!) };
}

const eventIdOf = (cursor: string) => String(positionIn(cursor).id);

function byPosition(a: string, b: string): number {
  const [p, q] = [positionIn(a), positionIn(b)];
  return p.xid !== q.xid ? (p.xid < q.xid ? -1 : 1) : p.id < q.id ? -1 : p.id > q.id ? 1 : 0;
}

/** Whether each endpoint's own position in the log has reached the change at `cursor`. */
async function passed(endpointIds: readonly string[], cursor: string): Promise<boolean> {
  const { xid, id } = positionIn(cursor);
  const rows = await sql<{ passed: boolean }>(
    `select (stream_xid, stream_id) >= (?::xid8, ?::bigint) as passed from webhook_endpoints where id = any(?::uuid[])`,
    [String(xid), String(id), `{${endpointIds.join(',')}}`],
  );
  return rows.length === endpointIds.length && rows.every((r) => r.passed);
}

describe('a graceful stop', () => {
  it('lets a request in flight finish (here: time out) and records it before the pool closes', async () => {
    const db = await createTestDatabase();
    const app = await startTestApp({ db, webhooks: { ...WEBHOOKS, timeoutMs: 500 } });
    let closed = false;
    try {
      const channel = await createChannel(app, 'SOCIAL_MESSAGING');
      const r = await receiver('hang');
      const { createWebhookEndpoint } = await app.client.ok(
        CreateWebhookEndpointDocument,
        { input: { url: r.url() } },
        channel.token,
      );
      r.setSecrets([createWebhookEndpoint.secret]);
      await receive(app, channel, 'user-1', 'in flight at the stop', {});
      await r.waitFor((rs) => rs.length === 1, 'the first change in flight');
      expect(r.inFlight()).toBe(1);

      await app.close();
      closed = true;
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query(
          `select status, attempts, last_error, lease_owner from webhook_deliveries order by stream_xid, event_id`,
        );
        // The request in flight ran to its timeout and was recorded; the change behind it in its
        // ticket was never sent (it waits for the first).
        expect(rows).toEqual([
          { status: 'PENDING', attempts: 1, last_error: 'no answer within 500 ms', lease_owner: null },
          { status: 'PENDING', attempts: 0, last_error: null, lease_owner: null },
        ]);
      } finally {
        await client.end();
      }
    } finally {
      if (!closed) await app.close();
      await db.drop();
    }
  });
});
