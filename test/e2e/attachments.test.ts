import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { attachmentLink } from '../../src/domain/attachment/attachment-link';
import { sweepJob } from '../../src/jobs/sweep.job';
import { createLogger } from '../../src/observability/logger';
import {
  CreateWebhookEndpointDocument,
  MessageAttachmentsDocument,
  ReceiveMessageWithAttachmentsDocument,
  SendMessageWithAttachmentsDocument,
  ThreadAttachmentsDocument,
  type ReceiveMessageInput,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { download, upload } from '../support/upload-client';
import { startWebhookReceiver } from '../support/webhook-receiver';

/**
 * docs/domain.md "Attachments": uploads attach once, to a message of the same caller, within the
 * window; a message with attachments may have an empty body; links are signed, expire, and are the
 * same in every process; the sweep removes uploads never attached.
 */
const WINDOW = 3_600;
const TTL = 3_600;

let t: TestApp;
let db: pg.Client;
let channel: { id: string; token: string };
let otherChannel: { id: string; token: string };
let agent: { id: string; token: string };
let colleague: { id: string; token: string };
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

beforeAll(async () => {
  t = await startTestApp({
    limits: { rateLimits: { messages: null, mutations: null, typing: null } },
    attachments: { linkTtlSeconds: TTL },
  });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
  otherChannel = await createChannel(t, 'SOCIAL_MESSAGING');
  agent = await createAgent(t, { status: 'OFFLINE' });
  colleague = await createAgent(t, { status: 'OFFLINE' });
});
afterAll(async () => {
  await db.end();
  await t.close();
});

/** A ticket of its own end user, assigned to `to`. */
async function ticketOf(to: { id: string } = agent): Promise<string> {
  const { ticket } = await receive(t, channel, unique('customer'), 'hello');
  await assign(t, ticket.id, to.id);
  return ticket.id;
}

const send = (
  token: string,
  ticketId: string,
  attachmentIds: string[] | null,
  body = 'see attached',
  internal = false,
) => t.client.execute(SendMessageWithAttachmentsDocument, { ticketId, body, attachmentIds, internal }, token);

const receiveWith = (token: string, input: Partial<ReceiveMessageInput> & { attachmentIds: string[] }) =>
  t.client.execute(
    ReceiveMessageWithAttachmentsDocument,
    { input: { channelId: channel.id, externalUserId: unique('customer'), body: 'photo', ...input } },
    token,
  );

async function messageIdOf(uploadId: string): Promise<string | null> {
  const { rows } = await db.query<{ message_id: string | null }>(
    'select message_id from uploads where id = $1',
    [uploadId],
  );
  return rows[0]?.message_id ?? null;
}

describe('sendMessage(attachmentIds)', () => {
  it("attaches the agent's uploads, oldest first, each with a signed link that serves its bytes", async () => {
    const ticketId = await ticketOf();
    const a = await upload(t, agent.token, {
      name: 'quote.pdf',
      type: 'application/pdf',
      data: '%PDF-1.7 quote',
    });
    t.clock.advance(1);
    const b = await upload(t, agent.token, {
      name: '사진.png',
      type: 'image/png',
      data: Buffer.from([137, 80, 78, 71]),
    });
    const res = await send(agent.token, ticketId, [b.id, a.id]);
    expect(res.errors).toBeUndefined();
    const message = res.data!.sendMessage;
    expect(message.attachments).toEqual([
      { id: a.id, fileName: 'quote.pdf', contentType: 'application/pdf', size: 14, url: expect.any(String) },
      { id: b.id, fileName: '사진.png', contentType: 'image/png', size: 4, url: expect.any(String) },
    ]);
    expect(message.attachments[0]!.url).toMatch(
      new RegExp(`^/files/${a.id}\\?expires=\\d+&sig=[A-Za-z0-9_-]{43}$`),
    );
    expect(await messageIdOf(a.id)).toBe(message.id);
    expect(await messageIdOf(b.id)).toBe(message.id);

    const pdf = await download(t, message.attachments[0]!.url);
    expect(pdf.status).toBe(200);
    expect(pdf.body.toString()).toBe('%PDF-1.7 quote');
    expect(pdf.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-length': '14',
      'content-disposition': `attachment; filename="quote.pdf"; filename*=UTF-8''quote.pdf`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cross-origin-resource-policy': 'cross-origin',
      'cache-control': 'private, no-store',
    });
    const png = await download(t, message.attachments[1]!.url);
    expect(png.status).toBe(200);
    expect([...png.body]).toEqual([137, 80, 78, 71]);
    expect(png.headers['content-disposition']).toBe(
      `inline; filename="__.png"; filename*=UTF-8''%EC%82%AC%EC%A7%84.png`,
    );
  });

  it('with attachments the body may be empty; without, it may not', async () => {
    const ticketId = await ticketOf();
    const file = await upload(t, agent.token);
    const res = await send(agent.token, ticketId, [file.id], '   ');
    expect(res.errors).toBeUndefined();
    expect(res.data!.sendMessage).toMatchObject({ body: '', attachments: [{ id: file.id }] });

    const before = await t.snapshot();
    const empty = await send(agent.token, ticketId, [], '');
    expect(errorCodes(empty)).toEqual(['BAD_USER_INPUT']);
    expect(empty.errors![0]!.extensions!.field).toBe('body');
    expect(await t.snapshot()).toEqual(before);
  });

  it("an admin attaches the admins' uploads", async () => {
    const ticketId = await ticketOf();
    const file = await upload(t, t.adminToken);
    const res = await send(t.adminToken, ticketId, [file.id]);
    expect(res.errors).toBeUndefined();
    expect(res.data!.sendMessage.attachments.map((a) => a.id)).toEqual([file.id]);
  });

  it("an internal note's attachments are hidden exactly as the note is", async () => {
    const ticketId = await ticketOf();
    const file = await upload(t, agent.token, { name: 'internal.txt' });
    const note = await send(agent.token, ticketId, [file.id], 'for the team', true);
    expect(note.errors).toBeUndefined();
    const noteId = note.data!.sendMessage.id;

    const asAgent = await t.client.ok(ThreadAttachmentsDocument, { id: ticketId, first: 50 }, agent.token);
    const seen = asAgent.ticket!.messages.edges.find((e) => e.node.id === noteId);
    expect(seen?.node.attachments.map((a) => a.id)).toEqual([file.id]);

    const asIntegration = await t.client.ok(
      ThreadAttachmentsDocument,
      { id: ticketId, first: 50 },
      channel.token,
    );
    expect(asIntegration.ticket!.messages.edges.map((e) => e.node.id)).not.toContain(noteId);
    const byNode = await t.client.execute(MessageAttachmentsDocument, { id: noteId }, channel.token);
    expect(byNode.data?.node ?? null).toBeNull();
  });
});

describe('receiveMessage(input.attachmentIds)', () => {
  it("attaches the integration's uploads to the end user's message, whose body may be empty", async () => {
    const file = await upload(t, channel.token, { name: 'receipt.jpg', type: 'image/jpeg', data: 'jpeg' });
    const res = await receiveWith(channel.token, { attachmentIds: [file.id], body: '' });
    expect(res.errors).toBeUndefined();
    const { message } = res.data!.receiveMessage;
    expect(message).toMatchObject({
      body: '',
      attachments: [{ id: file.id, fileName: 'receipt.jpg', contentType: 'image/jpeg', size: 4 }],
    });
    expect(await messageIdOf(file.id)).toBe(message.id);
    const read = await t.client.ok(MessageAttachmentsDocument, { id: message.id }, agent.token);
    expect(read.node).toMatchObject({ attachments: [{ id: file.id }] });
    expect((await download(t, message.attachments[0]!.url)).body.toString()).toBe('jpeg');
  });

  it('a repeat of the same externalMessageId answers the first message with its attachments', async () => {
    const file = await upload(t, channel.token);
    const input = {
      externalUserId: unique('customer'),
      externalMessageId: unique('wamid'),
      attachmentIds: [file.id],
    };
    const first = await receiveWith(channel.token, input);
    const again = await receiveWith(channel.token, input);
    expect(again.errors).toBeUndefined();
    expect(again.data!.receiveMessage).toMatchObject({
      duplicate: true,
      message: { id: first.data!.receiveMessage.message.id, attachments: [{ id: file.id }] },
    });
  });
});

describe('an upload attaches once, to a message of the same caller, within the window; else nothing changes', () => {
  type Case = [string, () => Promise<string[]>, RegExp];
  const randomId = '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
  const sendCases: Case[] = [
    ['an unknown id', async () => [randomId], /no upload of yours/],
    ['a malformed id', async () => ['not-an-id'], /not an upload id/],
    ["another agent's upload", async () => [(await upload(t, colleague.token)).id], /no upload of yours/],
    ["an integration's upload", async () => [(await upload(t, channel.token)).id], /no upload of yours/],
    ["the admins' upload", async () => [(await upload(t, t.adminToken)).id], /no upload of yours/],
    [
      'an upload already attached',
      async () => {
        const file = await upload(t, agent.token);
        const res = await send(agent.token, await ticketOf(), [file.id]);
        expect(res.errors).toBeUndefined();
        return [file.id];
      },
      /already attached/,
    ],
    [
      'one good upload and one unknown',
      async () => [(await upload(t, agent.token)).id, randomId],
      /\[1\].*no upload of yours/,
    ],
    ['eleven uploads', async () => Array.from({ length: 11 }, () => randomId), /at most 10/],
    [
      'one upload twice',
      async () => {
        const { id } = await upload(t, agent.token);
        return [id, id];
      },
      /twice/,
    ],
  ];

  it.each(sendCases)('sendMessage with %s: BAD_USER_INPUT on attachmentIds', async (_label, ids, message) => {
    const ticketId = await ticketOf();
    const attachmentIds = await ids();
    const before = await t.snapshot();
    const res = await send(agent.token, ticketId, attachmentIds);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.extensions!.field).toBe('attachmentIds');
    expect(res.errors![0]!.message).toMatch(message);
    expect(await t.snapshot()).toEqual(before);
  });

  const receiveCases: Case[] = [
    ['an unknown id', async () => [randomId], /no upload of yours/],
    ["an agent's upload", async () => [(await upload(t, agent.token)).id], /no upload of yours/],
    [
      "another channel's upload",
      async () => [(await upload(t, otherChannel.token)).id],
      /no upload of yours/,
    ],
    [
      'an upload already attached',
      async () => {
        const file = await upload(t, channel.token);
        expect((await receiveWith(channel.token, { attachmentIds: [file.id] })).errors).toBeUndefined();
        return [file.id];
      },
      /already attached/,
    ],
  ];

  it.each(receiveCases)(
    'receiveMessage with %s: BAD_USER_INPUT on input.attachmentIds, no end user, ticket or message made',
    async (_label, ids, message) => {
      const attachmentIds = await ids();
      const before = await t.snapshot();
      const res = await receiveWith(channel.token, { attachmentIds });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.extensions!.field).toBe('input.attachmentIds');
      expect(res.errors![0]!.message).toMatch(message);
      expect(await t.snapshot()).toEqual(before);
    },
  );

  it("an admin's receiveMessage cannot take the integration's upload", async () => {
    const file = await upload(t, channel.token);
    const before = await t.snapshot();
    const res = await receiveWith(t.adminToken, { attachmentIds: [file.id] });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(await t.snapshot()).toEqual(before);
  });

  it('an upload is attached within the window: at its end it has expired', async () => {
    const ticketId = await ticketOf();
    const late = await upload(t, agent.token);
    t.clock.advance(WINDOW - 1);
    const inTime = await upload(t, agent.token);
    t.clock.advance(1);
    const before = await t.snapshot();
    const res = await send(agent.token, ticketId, [late.id]);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.message).toMatch(/expired/);
    expect(await t.snapshot()).toEqual(before);
    expect((await send(agent.token, ticketId, [inTime.id])).errors).toBeUndefined();
  });
});

describe('two messages racing for one upload: exactly one wins', () => {
  it('sendMessage on two tickets at once, five rounds', async () => {
    const tickets = [await ticketOf(), await ticketOf()];
    for (let round = 0; round < 5; round++) {
      const file = await upload(t, agent.token);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => send(agent.token, tickets[i % 2]!, [file.id], `try ${i}`)),
      );
      const won = results.filter((r) => !r.errors);
      expect(won).toHaveLength(1);
      for (const lost of results.filter((r) => r.errors)) {
        expect(errorCodes(lost)).toEqual(['BAD_USER_INPUT']);
        expect(lost.errors![0]!.message).toMatch(/already attached/);
      }
      expect(await messageIdOf(file.id)).toBe(won[0]!.data!.sendMessage.id);
      const { rows } = await db.query<{ n: string }>(
        `select count(*)::text as n from messages m where m.body like 'try %' and exists (
           select 1 from uploads u where u.message_id = m.id and u.id = $1)`,
        [file.id],
      );
      expect(rows[0]!.n).toBe('1');
    }
  });

  it('receiveMessage from four end users at once', async () => {
    const file = await upload(t, channel.token);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => receiveWith(channel.token, { attachmentIds: [file.id] })),
    );
    const won = results.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.errors).flatMap((r) => errorCodes(r))).toEqual(
      Array(3).fill('BAD_USER_INPUT'),
    );
    expect(await messageIdOf(file.id)).toBe(won[0]!.data!.receiveMessage.message.id);
  });
});

describe('the sweep removes uploads never attached once their window has passed', () => {
  it('rows and bytes; attached and younger uploads stay', async () => {
    const stale = await upload(t, agent.token);
    const attached = await upload(t, agent.token);
    expect((await send(agent.token, await ticketOf(), [attached.id])).errors).toBeUndefined();
    t.clock.advance(WINDOW - 1);
    const young = await upload(t, agent.token);
    const sweep = sweepJob(t.app.services, createLogger('silent'));

    await sweep();
    expect(existsSync(join(t.uploadDir, stale.id))).toBe(true);

    t.clock.advance(1);
    await sweep();
    const { rows } = await db.query<{ id: string }>('select id from uploads where id = any($1::uuid[])', [
      [stale.id, attached.id, young.id],
    ]);
    expect(rows.map((r) => r.id).sort()).toEqual([attached.id, young.id].sort());
    expect(existsSync(join(t.uploadDir, stale.id))).toBe(false);
    expect(existsSync(join(t.uploadDir, attached.id))).toBe(true);
    expect(existsSync(join(t.uploadDir, young.id))).toBe(true);
  });
});

describe('links: signed, expiring, 404 alike for unknown, expired and tampered', () => {
  async function attachedFile(file: { name?: string; type?: string; data?: string } = {}) {
    const upload1 = await upload(t, agent.token, file);
    const res = await send(agent.token, await ticketOf(), [upload1.id]);
    expect(res.errors).toBeUndefined();
    return res.data!.sendMessage.attachments[0]!;
  }
  const secret = async () =>
    (await db.query<{ value: string }>(`select value from server_secrets where name = 'attachment-links'`))
      .rows[0]!.value;

  it('serves until the TTL has passed, then 404; a fresh read gives a fresh link', async () => {
    const { id, url } = await attachedFile({ data: 'still here' });
    t.clock.advance(TTL - 1);
    expect((await download(t, url)).status).toBe(200);
    t.clock.advance(1);
    const expired = await download(t, url);
    expect(expired.status).toBe(404);
    expect(expired.json?.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    const fresh = await t.client.ok(
      MessageAttachmentsDocument,
      { id: await messageIdOf(id).then((m) => m!) },
      agent.token,
    );
    const again = await download(t, (fresh.node as { attachments: { url: string }[] }).attachments[0]!.url);
    expect(again.status).toBe(200);
    expect(again.body.toString()).toBe('still here');
  });

  it.each<[string, (url: URL) => void]>([
    [
      'a changed signature',
      (u) => {
        const sig = u.searchParams.get('sig')!;
        u.searchParams.set('sig', `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`);
      },
    ],
    [
      'a later expiry',
      (u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 60)),
    ],
    ['no signature', (u) => u.searchParams.delete('sig')],
    ['no expiry', (u) => u.searchParams.delete('expires')],
    ["another attachment's id", (u) => (u.pathname = '/files/6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f')],
    ['a malformed id', (u) => (u.pathname = '/files/..%2F..%2Fetc%2Fpasswd')],
    ['a bad percent-encoding', (u) => (u.pathname = '/files/%E0%A4%A')],
  ])('%s: 404', async (_label, tamper) => {
    const { url } = await attachedFile();
    const changed = new URL(url, 'http://127.0.0.1');
    tamper(changed);
    const res = await download(t, `${changed.pathname}${changed.search}`);
    expect(res.status).toBe(404);
    expect(res.json?.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });

  it('a correctly signed link to an unknown id, or to an upload never attached: 404', async () => {
    const key = await secret();
    const unknown = attachmentLink(key, '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f', t.clock.now(), TTL).url;
    expect((await download(t, unknown)).status).toBe(404);
    const loose = await upload(t, agent.token);
    expect((await download(t, attachmentLink(key, loose.id, t.clock.now(), TTL).url)).status).toBe(404);
  });

  it.each<[string, string, string, string]>([
    ['an image: inline', 'cat.png', 'image/png', 'inline; filename="cat.png"'],
    ['SVG: downloaded', 'logo.svg', 'image/svg+xml', 'attachment; filename="logo.svg"'],
    ['HTML: downloaded', 'page.html', 'text/html', 'attachment; filename="page.html"'],
  ])('%s, with its stored type and nosniff', async (_label, name, type, disposition) => {
    const { url } = await attachedFile({ name, type, data: '<svg onload="alert(1)"/>' });
    const res = await download(t, url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^${disposition.replace(/[.]/g, '\\.')}`));
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('HEAD: the headers alone; POST: 405', async () => {
    const { url } = await attachedFile({ data: 'twelve bytes' });
    const head = await download(t, url, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('12');
    expect(head.body.length).toBe(0);
    expect((await download(t, url, 'POST')).status).toBe(405);
  });

  it('every process on the database signs alike; PARLEY_PUBLIC_URL makes links absolute; another secret does not verify', async () => {
    const { id, url } = await attachedFile({ data: 'shared' });
    const messageId = (await messageIdOf(id))!;
    const second = await startTestApp({
      db: t.db,
      clock: t.clock,
      attachments: { dir: t.uploadDir, publicUrl: 'https://parley.example.com' },
    });
    const configured = await startTestApp({
      db: t.db,
      clock: t.clock,
      attachments: { dir: t.uploadDir, linkSecret: 'configured-link-secret-0123456789abcdef' },
    });
    try {
      // A link made by the first process is served by the second.
      const served = await download(second, url);
      expect(served.status).toBe(200);
      expect(served.body.toString()).toBe('shared');
      const read = await second.client.ok(MessageAttachmentsDocument, { id: messageId }, agent.token);
      const absolute = (read.node as { attachments: { url: string }[] }).attachments[0]!.url;
      expect(absolute).toMatch(new RegExp(`^https://parley\\.example\\.com/files/${id}\\?expires=\\d+&sig=`));
      expect((await download(t, absolute)).status).toBe(200);
      // A process configured with its own secret refuses the others' links, and they refuse its.
      expect((await download(configured, url)).status).toBe(404);
      const own = await configured.client.ok(MessageAttachmentsDocument, { id: messageId }, agent.token);
      const ownUrl = (own.node as { attachments: { url: string }[] }).attachments[0]!.url;
      expect((await download(configured, ownUrl)).status).toBe(200);
      expect((await download(t, ownUrl)).status).toBe(404);
    } finally {
      await second.close();
      await configured.close();
    }
  });
});

describe('webhook documents list the message’s attachments with links signed at send time', () => {
  it('MESSAGE_ADDED carries id, fileName, contentType, size and a working url', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const { createWebhookEndpoint } = await t.client.ok(
        CreateWebhookEndpointDocument,
        { input: { url: receiver.url(), channelId: channel.id, kinds: ['MESSAGE_ADDED'] } },
        t.adminToken,
      );
      receiver.setSecrets([createWebhookEndpoint.secret]);
      const ticketId = await ticketOf();
      const file = await upload(t, agent.token, {
        name: 'invoice.pdf',
        type: 'application/pdf',
        data: 'PDF',
      });
      const sent = await send(agent.token, ticketId, [file.id]);
      expect(sent.errors).toBeUndefined();
      const messageId = sent.data!.sendMessage.id;
      await receiver.waitFor(
        (rs) => rs.some((r) => r.json?.message?.id === messageId),
        'the message delivered',
      );
      const delivered = receiver.requests.find((r) => r.json?.message?.id === messageId)!;
      expect(delivered.verified).toBe(true);
      expect(delivered.json!.message!.attachments).toEqual([
        {
          id: file.id,
          fileName: 'invoice.pdf',
          contentType: 'application/pdf',
          size: 3,
          url: expect.any(String),
        },
      ]);
      const { url } = delivered.json!.message!.attachments[0] as { url: string };
      expect((await download(t, url)).body.toString()).toBe('PDF');
    } finally {
      await receiver.close();
    }
  });
});
