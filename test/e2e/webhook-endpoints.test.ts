import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isObjectType } from 'graphql';
import pg from 'pg';
import pino from 'pino';
import { ManualClock } from '../../src/domain/clock';
import {
  comparePositions,
  encodeStreamCursor,
  positionOf,
  STREAM_START,
} from '../../src/domain/stream/stream-position';
import { committedHead, settledHead } from '../../src/events/event-log.store';
import { getSchema } from '../../src/graphql/schema';
import { WebhookEndpointService } from '../../src/services/webhooks/webhook-endpoint.service';
import {
  CreateWebhookEndpointDocument,
  DeleteWebhookEndpointDocument,
  RedeliverWebhookDocument,
  RotateWebhookSecretDocument,
  UpdateWebhookEndpointDocument,
  WebhookDeliveriesDocument,
  WebhookEndpointDocument,
  WebhookEndpointNodeDocument,
  WebhookEndpointsDocument,
  type CreateWebhookEndpointInput,
  type WebhookDeliveryStatus,
} from '../generated/operations';
import { createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 16, webhook endpoints (docs/domain.md "Webhook endpoints"): who registers, sees and changes
 * which; URL and target rules; the secret shown once and its rotation; the delivery log and
 * redelivery; node(id). Every refusal changes nothing.
 *
 * Every ticket change here is made before the first endpoint exists (endpoints get only the changes
 * committed after them), so no delivery engine has anything to send on its own; the delivery log's
 * rows are written with SQL, for changes already in the log.
 */
let t: TestApp;
let db: pg.Client;
let channelA: { id: string; token: string };
let channelB: { id: string; token: string };
let agent: { id: string; token: string };
/** channel A's ticket and its log ids (CREATED, MESSAGE_ADDED …), in stream order. */
let ticketA: string;
let eventsA: { id: string; cursor: string }[];
/** Answers every request 204: where an endpoint points when a delivery may really be sent. */
let receiver: http.Server;
let receiverUrl: string;
const logged: string[] = [];

const SECRET = /^whsec_[A-Za-z0-9_-]{43}$/;

beforeAll(async () => {
  receiver = http.createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  // Every line the server logs, at every level: no secret may be in any of them.
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logged.push(line) });
  t = await startTestApp({
    logger,
    limits: { rateLimits: { messages: null, mutations: null } },
    // The sweep at start writes agenda_jobs; an hour keeps later runs out of the refusals' snapshots.
    scheduler: { sweepEveryMs: 3_600_000 },
  });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  channelA = await createChannel(t, 'SOCIAL_MESSAGING');
  channelB = await createChannel(t, 'SOCIAL_MESSAGING');
  agent = await createAgent(t, { status: 'OFFLINE' });
  ticketA = (await receive(t, channelA, 'customer-a', 'hello')).ticket.id;
  for (const body of ['still there?', 'hello?', 'anyone?', 'ok, bye'])
    await receive(t, channelA, 'customer-a', body);
  await receive(t, channelB, 'customer-b', 'hi');
  await quiet(t);
  const { rows } = await db.query<{ id: string; stream_xid: string }>(
    `select id::text, stream_xid::text from ticket_events where ticket_id = $1 order by stream_xid, id`,
    [ticketA],
  );
  eventsA = rows.map((r) => ({ id: r.id, cursor: encodeStreamCursor(positionOf(r.stream_xid, r.id)) }));
});

afterAll(async () => {
  await db?.end();
  await t?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** Waits until nothing changes by itself any more (the start's sweep, the event stream). */
async function quiet(app: TestApp): Promise<void> {
  await app.app.services.events.settle();
  let previous = JSON.stringify(await app.snapshot());
  for (let stable = 0; stable < 3;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const current = JSON.stringify(await app.snapshot());
    stable = current === previous ? stable + 1 : 0;
    previous = current;
  }
}

let n = 0;
const url = (path = 'hook') => `https://partner-${++n}.example.com/${path}`;

async function create(token: string, input: Partial<CreateWebhookEndpointInput> = {}) {
  const { createWebhookEndpoint } = await t.client.ok(
    CreateWebhookEndpointDocument,
    { input: { url: url(), ...input } },
    token,
  );
  return createWebhookEndpoint;
}

async function row(id: string) {
  const { rows } = await db.query<{
    secret: string;
    previous_secret: string | null;
    previous_secret_expires_at: Date | null;
    enabled: boolean;
    disabled_reason: string | null;
    failing_since: Date | null;
    stream_xid: string;
    stream_id: string;
    channel_id: string | null;
    url: string;
    kinds: string[];
  }>(
    `select *, stream_xid::text as stream_xid, stream_id::text as stream_id from webhook_endpoints where id = $1`,
    [id],
  );
  return rows[0];
}

/** A refused call: its codes, and the fingerprint of every table unchanged by it. */
async function refused<T>(
  call: () => Promise<GraphQLResponse<T>>,
): Promise<{ codes: string[]; fields: unknown[] }> {
  const before = await t.snapshot();
  const res = await call();
  expect(await t.snapshot()).toEqual(before);
  expect(res.data?.[Object.keys(res.data ?? {})[0] as keyof T] ?? null).toBeNull();
  return { codes: errorCodes(res), fields: (res.errors ?? []).map((e) => e.extensions?.field) };
}

describe('registering and reading endpoints', () => {
  it('an integration registers one for its own channel; the secret is shown once, kinds kept once each', async () => {
    const created = await create(channelA.token, {
      url: 'HTTPS://Hooks.Partner.EXAMPLE/Parley?x=1',
      kinds: ['MESSAGE_ADDED', 'CREATED', 'MESSAGE_ADDED'],
    });
    expect(created.secret).toMatch(SECRET);
    expect(created.endpoint).toEqual({
      id: expect.any(String),
      url: 'https://hooks.partner.example/Parley?x=1',
      kinds: ['CREATED', 'MESSAGE_ADDED'],
      enabled: true,
      disabledReason: null,
      createdAt: t.clock.now().toISOString(),
      channel: { id: channelA.id },
    });
    // Stored readable (it signs), exactly as shown: the whole string is the HMAC key.
    expect(await row(created.endpoint.id)).toMatchObject({
      secret: created.secret,
      previous_secret: null,
      previous_secret_expires_at: null,
      channel_id: channelA.id,
    });

    for (const token of [channelA.token, t.adminToken]) {
      const { webhookEndpoints } = await t.client.ok(WebhookEndpointsDocument, {}, token);
      expect(webhookEndpoints).toContainEqual(created.endpoint);
      const { webhookEndpoint } = await t.client.ok(
        WebhookEndpointDocument,
        { id: created.endpoint.id },
        token,
      );
      expect(webhookEndpoint).toEqual(created.endpoint);
    }
    // Another channel's integration sees none of it.
    const { webhookEndpoints: ofB } = await t.client.ok(WebhookEndpointsDocument, {}, channelB.token);
    expect(ofB.map((e) => e.id)).not.toContain(created.endpoint.id);
    expect(
      errorCodes(
        await t.client.execute(WebhookEndpointDocument, { id: created.endpoint.id }, channelB.token),
      ),
    ).toEqual(['NOT_FOUND']);
  });

  it('an empty or omitted kinds list means every kind', async () => {
    expect((await create(channelA.token, { kinds: [] })).endpoint.kinds).toEqual([]);
    expect((await create(channelA.token)).endpoint.kinds).toEqual([]);
    expect((await row((await create(channelA.token, { kinds: null })).endpoint.id))!.kinds).toEqual([]);
  });

  it('a new endpoint starts at the settled head of the log', async () => {
    const query = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
    const settledBefore = await settledHead(query);
    const { endpoint } = await create(channelA.token);
    const committedAfter = await committedHead(query);
    const stored = (await row(endpoint.id))!;
    const position = positionOf(stored.stream_xid, stored.stream_id);
    // Between the head settled before it and the last change committed (all one in this quiet log).
    expect(comparePositions(settledBefore, position)).toBeLessThanOrEqual(0);
    expect(comparePositions(position, committedAfter)).toBeLessThanOrEqual(0);
    expect(comparePositions(position, STREAM_START)).toBeGreaterThan(0);
  });

  it('an admin registers one for any channel, or for every channel (which no integration sees)', async () => {
    const all = await create(t.adminToken);
    expect(all.endpoint.channel).toBeNull();
    expect((await row(all.endpoint.id))!.channel_id).toBeNull();
    const forB = await create(t.adminToken, { channelId: channelB.id });
    expect(forB.endpoint.channel).toEqual({ id: channelB.id });

    const { webhookEndpoints: ofA } = await t.client.ok(WebhookEndpointsDocument, {}, channelA.token);
    expect(ofA.every((e) => e.channel?.id === channelA.id)).toBe(true);
    const { webhookEndpoints: ofB } = await t.client.ok(WebhookEndpointsDocument, {}, channelB.token);
    expect(ofB.map((e) => e.id)).toEqual([forB.endpoint.id]);
    expect(
      errorCodes(await t.client.execute(WebhookEndpointDocument, { id: all.endpoint.id }, channelA.token)),
    ).toEqual(['NOT_FOUND']);
    const { webhookEndpoints: every } = await t.client.ok(WebhookEndpointsDocument, {}, t.adminToken);
    expect(every.map((e) => e.id)).toEqual(expect.arrayContaining([all.endpoint.id, forB.endpoint.id]));
    // Oldest first.
    expect(every.map((e) => e.createdAt)).toEqual([...every.map((e) => e.createdAt)].sort());
  });

  it('refuses another channel to an integration (FORBIDDEN), an unknown channel to an admin (NOT_FOUND), agents and nobody', async () => {
    const input = (extra: Partial<CreateWebhookEndpointInput>) => ({ input: { url: url(), ...extra } });
    expect(
      (
        await refused(() =>
          t.client.execute(CreateWebhookEndpointDocument, input({ channelId: channelB.id }), channelA.token),
        )
      ).codes,
    ).toEqual(['FORBIDDEN']);
    for (const channelId of ['7f1c2e4a-0000-4000-8000-00000000f022', 'not-an-id']) {
      expect(
        (
          await refused(() =>
            t.client.execute(CreateWebhookEndpointDocument, input({ channelId }), t.adminToken),
          )
        ).codes,
      ).toEqual(['NOT_FOUND']);
    }
    expect(
      (await refused(() => t.client.execute(CreateWebhookEndpointDocument, input({}), agent.token))).codes,
    ).toEqual(['FORBIDDEN']);
    expect((await refused(() => t.client.execute(CreateWebhookEndpointDocument, input({})))).codes).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(errorCodes(await t.client.execute(WebhookEndpointsDocument, {}, agent.token))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await t.client.execute(WebhookEndpointsDocument, {}))).toEqual(['UNAUTHENTICATED']);
  });

  it.each([
    ['ftp', 'ftp://partner.example.com/hook'],
    ['relative', '/hooks/parley'],
    ['not a URL', 'partner hook'],
    ['blank', '   '],
    ['javascript', 'javascript:alert(1)'],
    ['with credentials', 'https://user:secret@partner.example.com/hook'],
    ['with a user name', 'https://user@partner.example.com/hook'],
    ['too long', `https://partner.example.com/${'a'.repeat(2_030)}`],
    ['too long once encoded', `https://partner.example.com/${'é'.repeat(700)}`],
  ])('refuses a URL %s with BAD_USER_INPUT naming input.url, on create and update', async (_case, bad) => {
    expect(
      await refused(() =>
        t.client.execute(CreateWebhookEndpointDocument, { input: { url: bad } }, channelA.token),
      ),
    ).toEqual({ codes: ['BAD_USER_INPUT'], fields: ['input.url'] });
    const { endpoint } = await create(channelA.token);
    expect(
      await refused(() =>
        t.client.execute(
          UpdateWebhookEndpointDocument,
          { id: endpoint.id, input: { url: bad } },
          channelA.token,
        ),
      ),
    ).toEqual({ codes: ['BAD_USER_INPUT'], fields: ['input.url'] });
  });

  it('an unknown kind is refused by GraphQL before anything runs', async () => {
    const before = await t.snapshot();
    const res = await t.client.raw(
      {
        query: `mutation { createWebhookEndpoint(input: { url: "${url()}", kinds: [NOT_A_KIND] }) { secret } }`,
      },
      `Bearer ${channelA.token}`,
    );
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await t.snapshot()).toEqual(before);
  });

  it('no field of an endpoint shows a secret: only the two payloads do', async () => {
    const schema = await getSchema();
    const endpointType = schema.getType('WebhookEndpoint');
    expect(isObjectType(endpointType) && Object.keys(endpointType.getFields()).sort()).toEqual([
      'channel',
      'createdAt',
      'deliveries',
      'disabledReason',
      'enabled',
      'id',
      'kinds',
      'url',
    ]);
    const withSecret = Object.values(schema.getTypeMap()).filter(
      (type) => isObjectType(type) && !type.name.startsWith('__') && 'secret' in type.getFields(),
    );
    expect(withSecret.map((type) => type.name)).toEqual(['WebhookEndpointSecretPayload']);
  });
});

describe('changing endpoints', () => {
  it('changes the URL and the kinds; disables by hand with a reason and enables again, clearing the failing streak', async () => {
    const { endpoint } = await create(channelA.token, { kinds: ['CREATED'] });
    const updated = await t.client.ok(
      UpdateWebhookEndpointDocument,
      { id: endpoint.id, input: { url: 'https://new.partner.example/h', kinds: ['ASSIGNED', 'ASSIGNED'] } },
      channelA.token,
    );
    expect(updated.updateWebhookEndpoint).toMatchObject({
      url: 'https://new.partner.example/h',
      kinds: ['ASSIGNED'],
      enabled: true,
    });
    const everything = await t.client.ok(
      UpdateWebhookEndpointDocument,
      { id: endpoint.id, input: { kinds: [] } },
      channelA.token,
    );
    expect(everything.updateWebhookEndpoint).toMatchObject({
      url: 'https://new.partner.example/h',
      kinds: [],
    });

    const disabled = await t.client.ok(
      UpdateWebhookEndpointDocument,
      { id: endpoint.id, input: { enabled: false } },
      channelA.token,
    );
    expect(disabled.updateWebhookEndpoint).toMatchObject({
      enabled: false,
      disabledReason: 'disabled by integration',
    });
    // Disabled already: an admin's disable keeps the first reason.
    await t.client.ok(
      UpdateWebhookEndpointDocument,
      { id: endpoint.id, input: { enabled: false } },
      t.adminToken,
    );
    expect((await row(endpoint.id))!.disabled_reason).toBe('disabled by integration');

    // As the delivery engine leaves an endpoint whose deliveries all gave up for a day.
    await db.query(
      `update webhook_endpoints set disabled_reason = 'every delivery gave up for 24 hours',
         failing_since = '2026-02-27T00:00:00Z' where id = $1`,
      [endpoint.id],
    );
    const enabled = await t.client.ok(
      UpdateWebhookEndpointDocument,
      { id: endpoint.id, input: { enabled: true } },
      t.adminToken,
    );
    expect(enabled.updateWebhookEndpoint).toMatchObject({ enabled: true, disabledReason: null });
    expect(await row(endpoint.id)).toMatchObject({
      enabled: true,
      disabled_reason: null,
      failing_since: null,
    });
    const byAdmin = await t.client.ok(
      UpdateWebhookEndpointDocument,
      { id: endpoint.id, input: { enabled: false } },
      t.adminToken,
    );
    expect(byAdmin.updateWebhookEndpoint.disabledReason).toBe('disabled by admin');
  });

  it('refuses null for a field (BAD_USER_INPUT naming it), another channel’s endpoint (NOT_FOUND), agents (FORBIDDEN)', async () => {
    const { endpoint } = await create(channelA.token);
    for (const field of ['url', 'kinds', 'enabled'] as const) {
      expect(
        await refused(() =>
          t.client.execute(
            UpdateWebhookEndpointDocument,
            { id: endpoint.id, input: { [field]: null } },
            channelA.token,
          ),
        ),
      ).toEqual({ codes: ['BAD_USER_INPUT'], fields: [`input.${field}`] });
    }
    const change = { id: endpoint.id, input: { enabled: false } };
    expect(
      (await refused(() => t.client.execute(UpdateWebhookEndpointDocument, change, channelB.token))).codes,
    ).toEqual(['NOT_FOUND']);
    // A bad URL on someone else's endpoint: NOT_FOUND, not a word about the URL.
    expect(
      (
        await refused(() =>
          t.client.execute(
            UpdateWebhookEndpointDocument,
            { id: endpoint.id, input: { url: 'ftp://x' } },
            channelB.token,
          ),
        )
      ).codes,
    ).toEqual(['NOT_FOUND']);
    expect(
      (await refused(() => t.client.execute(UpdateWebhookEndpointDocument, change, agent.token))).codes,
    ).toEqual(['FORBIDDEN']);
    for (const id of ['7f1c2e4a-0000-4000-8000-00000000f022', 'nope']) {
      expect(
        (
          await refused(() =>
            t.client.execute(UpdateWebhookEndpointDocument, { ...change, id }, t.adminToken),
          )
        ).codes,
      ).toEqual(['NOT_FOUND']);
    }
  });

  it('deletes an endpoint and its delivery log; a second delete, another channel and agents change nothing', async () => {
    const { endpoint } = await create(channelA.token);
    await insertDelivery(endpoint.id, eventsA[0]!.id, 'DELIVERED');
    expect(
      (
        await refused(() =>
          t.client.execute(DeleteWebhookEndpointDocument, { id: endpoint.id }, channelB.token),
        )
      ).codes,
    ).toEqual(['NOT_FOUND']);
    expect(
      (await refused(() => t.client.execute(DeleteWebhookEndpointDocument, { id: endpoint.id }, agent.token)))
        .codes,
    ).toEqual(['FORBIDDEN']);
    const { deleteWebhookEndpoint } = await t.client.ok(
      DeleteWebhookEndpointDocument,
      { id: endpoint.id },
      channelA.token,
    );
    expect(deleteWebhookEndpoint).toBe(endpoint.id);
    const { rows } = await db.query('select 1 from webhook_deliveries where endpoint_id = $1', [endpoint.id]);
    expect(rows).toEqual([]);
    expect(await row(endpoint.id)).toBeUndefined();
    expect(
      (
        await refused(() =>
          t.client.execute(DeleteWebhookEndpointDocument, { id: endpoint.id }, channelA.token),
        )
      ).codes,
    ).toEqual(['NOT_FOUND']);
  });

  it('deleting one endpoint from many requests at once: one succeeds, the others are NOT_FOUND', async () => {
    const { endpoint } = await create(t.adminToken, { channelId: channelA.id });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.client.execute(
          DeleteWebhookEndpointDocument,
          { id: endpoint.id },
          i % 2 ? t.adminToken : channelA.token,
        ),
      ),
    );
    expect(results.filter((r) => r.data?.deleteWebhookEndpoint === endpoint.id)).toHaveLength(1);
    expect(results.flatMap((r) => errorCodes(r))).toEqual(Array(5).fill('NOT_FOUND'));
  });
});

describe('secrets', () => {
  it('rotation shows a new secret once; the old one is kept as previous until 24 h later', async () => {
    const { endpoint, secret: first } = await create(channelA.token);
    const rotated = await t.client.ok(RotateWebhookSecretDocument, { id: endpoint.id }, channelA.token);
    const second = rotated.rotateWebhookSecret.secret;
    expect(second).toMatch(SECRET);
    expect(second).not.toBe(first);
    expect(rotated.rotateWebhookSecret.endpoint.id).toBe(endpoint.id);
    const dayLater = new Date(t.clock.now().getTime() + 24 * 3_600_000);
    expect(await row(endpoint.id)).toMatchObject({
      secret: second,
      previous_secret: first,
      previous_secret_expires_at: dayLater,
    });

    // Within those 24 h, another rotation keeps only the secret it replaces.
    t.clock.advance(3_600);
    const third = (await t.client.ok(RotateWebhookSecretDocument, { id: endpoint.id }, t.adminToken))
      .rotateWebhookSecret.secret;
    expect(await row(endpoint.id)).toMatchObject({
      secret: third,
      previous_secret: second,
      previous_secret_expires_at: new Date(dayLater.getTime() + 3_600_000),
    });

    // Nowhere else: not in any read, nor in any log line.
    const reads = JSON.stringify([
      await t.client.execute(WebhookEndpointsDocument, {}, t.adminToken),
      await t.client.execute(WebhookEndpointDocument, { id: endpoint.id }, channelA.token),
      await t.client.execute(
        UpdateWebhookEndpointDocument,
        { id: endpoint.id, input: { kinds: [] } },
        channelA.token,
      ),
      await t.client.execute(WebhookEndpointNodeDocument, { id: endpoint.id }, t.adminToken),
    ]);
    const logs = logged.join('\n');
    expect(logged.length).toBeGreaterThan(0);
    for (const secret of [first, second, third]) {
      expect(reads).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it('refuses rotation of another channel’s endpoint (NOT_FOUND) and to agents (FORBIDDEN)', async () => {
    const { endpoint } = await create(channelA.token);
    expect(
      (
        await refused(() =>
          t.client.execute(RotateWebhookSecretDocument, { id: endpoint.id }, channelB.token),
        )
      ).codes,
    ).toEqual(['NOT_FOUND']);
    expect(
      (await refused(() => t.client.execute(RotateWebhookSecretDocument, { id: endpoint.id }, agent.token)))
        .codes,
    ).toEqual(['FORBIDDEN']);
  });

  it('rotations at once are serialised: each secret shown was current in turn, and the last two are kept', async () => {
    const { endpoint, secret: original } = await create(channelA.token);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.client.ok(RotateWebhookSecretDocument, { id: endpoint.id }, channelA.token),
      ),
    );
    const shown = results.map((r) => r.rotateWebhookSecret.secret);
    expect(new Set(shown).size).toBe(6);
    const stored = (await row(endpoint.id))!;
    expect(shown).toContain(stored.secret);
    // The one it replaced was shown too (or was the original): no rotation was lost.
    expect([original, ...shown]).toContain(stored.previous_secret);
    expect(stored.previous_secret).not.toBe(stored.secret);
  });
});

/** A delivery row as the delivery engine would leave it, for a change already in the log. */
async function insertDelivery(
  endpointId: string,
  eventId: string,
  status: WebhookDeliveryStatus,
  extra: { createdAt?: string; attempts?: number; lease?: boolean; nextAttemptAt?: string } = {},
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into webhook_deliveries (id, endpoint_id, event_id, ticket_id, stream_xid, status, attempts,
       next_attempt_at, last_attempt_at, response_status, last_error, delivered_at, lease_owner, lease_until, created_at)
     select gen_random_uuid(), $1, e.id, e.ticket_id, e.stream_xid, $3::webhook_delivery_status, $4,
            $5::timestamptz, '2026-03-01T08:00:00Z', case when $3 = 'DELIVERED' then 200 else 500 end,
            case when $3 = 'DELIVERED' then null else 'HTTP 500' end,
            case when $3 = 'DELIVERED' then timestamptz '2026-03-01T08:00:01Z' end,
            case when $6 then 'some-process' end, case when $6 then timestamptz '2100-01-01T00:00:00Z' end,
            coalesce($7::timestamptz, clock_timestamp())
       from ticket_events e where e.id = $2
     returning id`,
    [
      endpointId,
      eventId,
      status,
      extra.attempts ?? 3,
      status === 'PENDING' ? (extra.nextAttemptAt ?? '2100-01-01T00:00:00Z') : null,
      extra.lease ?? false,
      extra.createdAt ?? null,
    ],
  );
  return rows[0]!.id;
}

describe('the delivery log and redelivery', () => {
  let endpointId: string;
  /** Newest first, as the log shows them. */
  let ids: string[] = [];

  beforeAll(async () => {
    // Points at a receiver that answers 204: a redelivered delivery may really be sent.
    endpointId = (await create(channelA.token, { url: receiverUrl })).endpoint.id;
    // Same millisecond, different microseconds: paging must keep them apart.
    const times = [
      '2026-03-01T08:00:00.000001Z',
      '2026-03-01T08:00:00.000002Z',
      '2026-03-01T08:00:00.000003Z',
      '2026-03-01T08:00:00.000003Z',
      '2026-03-01T08:00:01Z',
    ];
    const statuses: WebhookDeliveryStatus[] = ['DELIVERED', 'GAVE_UP', 'PENDING', 'DELIVERED', 'GAVE_UP'];
    for (let i = 0; i < times.length; i++) {
      await insertDelivery(endpointId, await eventFor(i), statuses[i]!, { createdAt: times[i] });
    }
    // The log's order: newest first, then the larger id first among equal times.
    const { rows } = await db.query<{ id: string }>(
      'select id from webhook_deliveries where endpoint_id = $1 order by created_at desc, id desc',
      [endpointId],
    );
    ids = rows.map((r) => r.id);
    expect(ids).toHaveLength(times.length);
  });

  /** One event per delivery (unique per endpoint and event): channel A's changes in log order. */
  async function eventFor(i: number): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `select id::text from ticket_events where channel_id = $1 order by stream_xid, id offset $2 limit 1`,
      [channelA.id, i],
    );
    if (!rows[0]) throw new Error(`channel A has fewer than ${i + 1} changes`);
    return rows[0].id;
  }

  async function page(
    token: string,
    variables: { first?: number; after?: string | null; status?: WebhookDeliveryStatus },
  ) {
    return (await t.client.ok(WebhookDeliveriesDocument, { id: endpointId, ...variables }, token))
      .webhookEndpoint!.deliveries;
  }

  it('pages newest first, two at a time, with exact page info, keeping deliveries of one millisecond apart', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const p = await page(channelA.token, { first: 2, after });
      seen.push(...p.edges.map((e) => e.node.id));
      expect(p.pageInfo).toEqual({
        hasNextPage: i < 2,
        hasPreviousPage: i > 0,
        startCursor: p.edges[0]!.cursor,
        endCursor: p.edges.at(-1)!.cursor,
      });
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
    const all = await page(t.adminToken, {});
    expect(all.edges.map((e) => e.node.id)).toEqual(ids);
    expect(all.pageInfo.hasNextPage).toBe(false);
    expect((await page(channelA.token, { first: 0 })).edges).toEqual([]);
  });

  it('shows each delivery with its endpoint, its change (the stream’s cursor) and how sending went', async () => {
    const all = await page(channelA.token, { status: 'DELIVERED' });
    expect(all.edges).toHaveLength(2);
    for (const { node } of all.edges) {
      expect(node).toMatchObject({
        status: 'DELIVERED',
        attempts: 3,
        responseStatus: 200,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: '2026-03-01T08:00:01.000Z',
        lastAttemptAt: '2026-03-01T08:00:00.000Z',
        endpoint: { id: endpointId },
      });
      const { rows } = await db.query<{ event_id: string }>(
        'select event_id::text from webhook_deliveries where id = $1',
        [node.id],
      );
      const { rows: event } = await db.query<{
        stream_xid: string;
        kind: string;
        ticket_id: string;
        message_id: string | null;
      }>('select stream_xid::text, kind, ticket_id, message_id from ticket_events where id = $1', [
        rows[0]!.event_id,
      ]);
      expect(node.change).toMatchObject({
        cursor: encodeStreamCursor(positionOf(event[0]!.stream_xid, rows[0]!.event_id)),
        kind: event[0]!.kind,
        ticket: { id: event[0]!.ticket_id },
        message: event[0]!.message_id ? { id: event[0]!.message_id } : null,
      });
    }
    const gaveUp = await page(channelA.token, { status: 'GAVE_UP' });
    expect(gaveUp.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({
        status: 'GAVE_UP',
        responseStatus: 500,
        lastError: 'HTTP 500',
        deliveredAt: null,
      }),
      expect.objectContaining({ status: 'GAVE_UP' }),
    ]);
    const pending = await page(channelA.token, { status: 'PENDING' });
    expect(pending.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ status: 'PENDING', nextAttemptAt: '2100-01-01T00:00:00.000Z' }),
    ]);
  });

  it('refuses a page size outside 0..100 and a cursor it did not issue (BAD_USER_INPUT naming the argument)', async () => {
    for (const [variables, field] of [
      [{ first: 101 }, 'first'],
      [{ first: -1 }, 'first'],
      [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
      [
        { after: Buffer.from(JSON.stringify(['2026-02-30T00:00:00.000000Z', ids[0]])).toString('base64url') },
        'after',
      ],
      [
        { after: Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000000Z', ids[0]])).toString('base64url') },
        'after',
      ],
      [
        { after: Buffer.from(JSON.stringify(['2026-03-01T08:00:00.000Z', ids[0]])).toString('base64url') },
        'after',
      ],
      [
        { after: Buffer.from(JSON.stringify(['2026-03-01T08:00:00.000000Z', 'x'])).toString('base64url') },
        'after',
      ],
    ] as const) {
      const res = await t.client.execute(
        WebhookDeliveriesDocument,
        { id: endpointId, ...variables },
        t.adminToken,
      );
      expect([errorCodes(res), res.errors?.[0]?.extensions?.field]).toEqual([['BAD_USER_INPUT'], field]);
    }
  });

  it('refuses redelivery to another channel (NOT_FOUND), agents (FORBIDDEN), unknown ids; while disabled (ILLEGAL_TRANSITION); all change nothing', async () => {
    const gaveUp = ids[0]!;
    expect(
      (
        await refused(() =>
          t.client.execute(RedeliverWebhookDocument, { deliveryId: gaveUp }, channelB.token),
        )
      ).codes,
    ).toEqual(['NOT_FOUND']);
    expect(
      (await refused(() => t.client.execute(RedeliverWebhookDocument, { deliveryId: gaveUp }, agent.token)))
        .codes,
    ).toEqual(['FORBIDDEN']);
    for (const deliveryId of ['7f1c2e4a-0000-4000-8000-00000000f022', '12', endpointId]) {
      expect(
        (await refused(() => t.client.execute(RedeliverWebhookDocument, { deliveryId }, t.adminToken))).codes,
      ).toEqual(['NOT_FOUND']);
    }
    await t.client.ok(
      UpdateWebhookEndpointDocument,
      { id: endpointId, input: { enabled: false } },
      t.adminToken,
    );
    const disabled = await refused(() =>
      t.client.execute(RedeliverWebhookDocument, { deliveryId: gaveUp }, channelA.token),
    );
    expect(disabled.codes).toEqual(['ILLEGAL_TRANSITION']);
    await t.client.ok(
      UpdateWebhookEndpointDocument,
      { id: endpointId, input: { enabled: true } },
      t.adminToken,
    );
  });

  it('redelivers: PENDING, due now, attempts from 0, its lease dropped, the same change (event id)', async () => {
    const target = ids[0]!;
    await db.query(
      `update webhook_deliveries set lease_owner = 'p1', lease_until = '2100-01-01Z' where id = $1`,
      [target],
    );
    const { rows: before } = await db.query<{ event_id: string }>(
      'select event_id::text from webhook_deliveries where id = $1',
      [target],
    );
    const { redeliverWebhook } = await t.client.ok(
      RedeliverWebhookDocument,
      { deliveryId: target },
      channelA.token,
    );
    expect(redeliverWebhook).toMatchObject({
      id: target,
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: t.clock.now().toISOString(),
      deliveredAt: null,
      endpoint: { id: endpointId },
    });
    const { rows: after } = await db.query<{ event_id: string; id: string }>(
      'select id, event_id::text from webhook_deliveries where endpoint_id = $1 and event_id = $2',
      [endpointId, before[0]!.event_id],
    );
    // The same row: the same event id and delivery id go out again.
    expect(after).toEqual([{ id: target, event_id: before[0]!.event_id }]);
    // A delivered one may be sent again too, by an admin.
    const delivered = (await page(t.adminToken, { status: 'DELIVERED' })).edges[0]!.node.id;
    const again = await t.client.ok(RedeliverWebhookDocument, { deliveryId: delivered }, t.adminToken);
    expect(again.redeliverWebhook).toMatchObject({ status: 'PENDING', attempts: 0, deliveredAt: null });
  });
});

describe('node(id)', () => {
  it('finds an endpoint for an admin and its channel’s integration; null for anyone else', async () => {
    const { endpoint } = await create(channelA.token, { kinds: ['CREATED'] });
    for (const token of [t.adminToken, channelA.token]) {
      const { node } = await t.client.ok(WebhookEndpointNodeDocument, { id: endpoint.id }, token);
      expect(node).toEqual({
        __typename: 'WebhookEndpoint',
        id: endpoint.id,
        url: endpoint.url,
        kinds: ['CREATED'],
      });
    }
    for (const token of [channelB.token, agent.token]) {
      expect((await t.client.ok(WebhookEndpointNodeDocument, { id: endpoint.id }, token)).node).toBeNull();
    }
  });
});

describe('private targets, where they are blocked (production)', () => {
  let p: TestApp;
  let admin: string;

  beforeAll(async () => {
    p = await startTestApp({
      webhooks: { blockPrivateAddresses: true, allowedHosts: ['127.0.0.1', 'receiver.internal'] },
      limits: { rateLimits: { messages: null, mutations: null } },
      scheduler: { sweepEveryMs: 3_600_000 },
    });
    admin = p.adminToken;
    await quiet(p);
  });
  afterAll(() => p?.close());

  it.each([
    ['loopback', 'http://127.0.0.2:8080/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['an IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hook'],
    ['private', 'http://10.1.2.3/hook'],
    ['private (192.168)', 'https://192.168.0.10/hook'],
    ['link-local (cloud metadata)', 'http://169.254.169.254/latest/meta-data'],
    ['unspecified', 'http://0.0.0.0/'],
    ['a name for loopback', 'http://localhost:3000/hook'],
    ['a name that does not resolve', 'https://nowhere.invalid/hook'],
  ])('refuses %s on save with BAD_USER_INPUT naming input.url, changing nothing', async (_case, target) => {
    const before = await p.snapshot();
    const res = await p.client.execute(CreateWebhookEndpointDocument, { input: { url: target } }, admin);
    expect([errorCodes(res), res.errors?.[0]?.extensions?.field]).toEqual([['BAD_USER_INPUT'], 'input.url']);
    expect(await p.snapshot()).toEqual(before);
  });

  it('accepts a public address, and private hosts on the allow-list; an update is checked alike', async () => {
    const { createWebhookEndpoint: pub } = await p.client.ok(
      CreateWebhookEndpointDocument,
      { input: { url: 'https://8.8.8.8/hook' } },
      admin,
    );
    const { createWebhookEndpoint: allowed } = await p.client.ok(
      CreateWebhookEndpointDocument,
      { input: { url: 'http://127.0.0.1:9/hook' } },
      admin,
    );
    // An allowed name is not resolved at all.
    const { createWebhookEndpoint: byName } = await p.client.ok(
      CreateWebhookEndpointDocument,
      { input: { url: 'http://RECEIVER.internal/hook' } },
      admin,
    );
    expect(byName.endpoint.url).toBe('http://receiver.internal/hook');

    const before = await p.snapshot();
    const res = await p.client.execute(
      UpdateWebhookEndpointDocument,
      { id: allowed.endpoint.id, input: { url: 'http://10.0.0.1/hook' } },
      admin,
    );
    expect([errorCodes(res), res.errors?.[0]?.extensions?.field]).toEqual([['BAD_USER_INPUT'], 'input.url']);
    expect(await p.snapshot()).toEqual(before);
    for (const id of [pub.endpoint.id, allowed.endpoint.id, byName.endpoint.id]) {
      await p.client.ok(DeleteWebhookEndpointDocument, { id }, admin);
    }
  });

  it('a name must resolve to public addresses only, every one of them', async () => {
    const addresses: Record<string, string[]> = {
      'public.partner.test': ['8.8.8.8', '2606:4700:4700::1111'],
      'mixed.partner.test': ['8.8.8.8', '10.0.0.7'],
      'mapped.partner.test': ['::ffff:192.168.1.1'],
      'empty.partner.test': [],
    };
    // The service on this app's database, with a resolver of our own (no DNS in tests).
    const service = new WebhookEndpointService(
      p.app.orm.em,
      new ManualClock('2026-03-01T09:00:00Z'),
      { blockPrivateAddresses: true, allowedHosts: [] },
      (host) => {
        const found = addresses[host];
        return found ? Promise.resolve(found) : Promise.reject(new Error('ENOTFOUND'));
      },
    );
    const created = await service.create({ role: 'ADMIN' }, { url: 'https://public.partner.test/hook' });
    expect(created.endpoint.url).toBe('https://public.partner.test/hook');
    for (const host of [
      'mixed.partner.test',
      'mapped.partner.test',
      'empty.partner.test',
      'unknown.partner.test',
    ]) {
      const before = await p.snapshot();
      await expect(service.create({ role: 'ADMIN' }, { url: `https://${host}/hook` })).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.url',
      });
      expect(await p.snapshot()).toEqual(before);
    }
    await service.delete({ role: 'ADMIN' }, created.endpoint.id);
  });

  it('the changes committed after an endpoint is created come after its position', async () => {
    const channel = await createChannel(p, 'SOCIAL_MESSAGING');
    await receive(p, channel, 'before', 'first');
    const check = new pg.Client({ connectionString: p.db.url });
    await check.connect();
    try {
      const { createWebhookEndpoint } = await p.client.ok(
        CreateWebhookEndpointDocument,
        { input: { url: receiverUrl } },
        admin,
      );
      // Read at once: the delivery engine moves it on as it turns changes into deliveries.
      const { rows: at } = await check.query<{ stream_xid: string; stream_id: string }>(
        'select stream_xid::text, stream_id::text from webhook_endpoints where id = $1',
        [createWebhookEndpoint.endpoint.id],
      );
      const position = positionOf(at[0]!.stream_xid, at[0]!.stream_id);
      const { ticket } = await receive(p, channel, 'after', 'second');
      const { rows } = await check.query<{ stream_xid: string; id: string }>(
        'select stream_xid::text, id::text from ticket_events where ticket_id = $1',
        [ticket.id],
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(comparePositions(positionOf(row.stream_xid, row.id), position)).toBeGreaterThan(0);
      }
    } finally {
      await check.end();
    }
  });
});
