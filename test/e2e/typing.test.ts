import { systemClock, type Clock } from '../../src/domain/clock';
import {
  SendMessageDocument,
  SetTypingDocument,
  TypingDocument,
  UpdateTicketStatusDocument,
  type TypingSubscription,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, subscribeWs, waitForSubscribers, type WsConnection } from '../support/ws-client';

// docs/domain.md "Typing".

let t: TestApp;
let sockets: WsConnection[] = [];
let n = 0;

beforeAll(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  const closing = sockets;
  sockets = [];
  await Promise.all(closing.map((ws) => ws.dispose()));
});
afterAll(() => t.close());

/** A channel, an agent holding one of its tickets, and the tokens of both sides. */
async function conversation(app: TestApp<Clock> = t) {
  const channel = await createChannel(app, 'SOCIAL_MESSAGING');
  const agent = await createAgent(app, { status: 'OFFLINE' });
  const ticketId = (await receive(app, channel, `typing-${++n}`, 'hello')).ticket.id;
  await assign(app, ticketId, agent.id);
  return { channel, agent, ticketId };
}

/** A `typing` subscription over a real socket, live on the server before it returns. */
async function watch(app: TestApp<Clock>, token: string, ticketId: string) {
  const ws = connectWs(app.wsUrl, `Bearer ${token}`);
  sockets.push(ws);
  await ws.acknowledged;
  const typing = app.app.services.typing;
  const before = typing.subscriberCount();
  const live = subscribeWs(ws.client, TypingDocument, { ticketId });
  await waitForSubscribers(() => typing.subscriberCount(), before + 1);
  return live;
}

function setTyping(app: TestApp<Clock>, token: string, ticketId: string, typing: boolean) {
  return app.client.ok(SetTypingDocument, { ticketId, typing }, token);
}

/** An event as subscribers see it, for comparing whole lists. */
function said(e: TypingSubscription): string {
  const who =
    e.typing.authorType === 'AGENT' ? `agent ${e.typing.agent?.id}` : `end user (${e.typing.agent})`;
  return `${who} ${e.typing.typing ? 'typing' : 'stopped'} at ${String(e.typing.at)}`;
}

const agentSaid = (agentId: string, typing: boolean, at: Date) =>
  `agent ${agentId} ${typing ? 'typing' : 'stopped'} at ${at.toISOString()}`;
const endUserSaid = (typing: boolean, at: Date) =>
  `end user (null) ${typing ? 'typing' : 'stopped'} at ${at.toISOString()}`;

describe('typing', () => {
  it("reaches whoever reads the ticket: the assignee's to the integration and an admin, the end user's to the agent", async () => {
    const { channel, agent, ticketId } = await conversation();
    const integration = await watch(t, channel.token, ticketId);
    const admin = await watch(t, t.adminToken, ticketId);
    const agentSide = await watch(t, agent.token, ticketId);
    const all = [integration, admin, agentSide];
    const at = t.clock.now();

    expect(await setTyping(t, agent.token, ticketId, true)).toEqual({ setTyping: true });
    for (const live of all) await live.waitFor(1);
    expect(integration.events[0]!.typing).toMatchObject({
      authorType: 'AGENT',
      typing: true,
      ticket: { id: ticketId },
      agent: { id: agent.id },
    });

    await setTyping(t, channel.token, ticketId, true);
    for (const live of all) await live.waitFor(2);
    await setTyping(t, agent.token, ticketId, false);
    for (const live of all) await live.waitFor(3);
    await setTyping(t, channel.token, ticketId, false);
    for (const live of all) await live.waitFor(4);

    const expected = [
      agentSaid(agent.id, true, at),
      endUserSaid(true, at),
      agentSaid(agent.id, false, at),
      endUserSaid(false, at),
    ];
    for (const live of all) {
      expect(live.events.map(said)).toEqual(expected);
      expect(live.errors).toEqual([]);
    }
  });

  it('is never stored: no message, no event in the log, no row anywhere', async () => {
    const { channel, agent, ticketId } = await conversation();
    const watcher = await watch(t, t.adminToken, ticketId);
    const before = await t.snapshot();
    await setTyping(t, agent.token, ticketId, true);
    await setTyping(t, channel.token, ticketId, true);
    await setTyping(t, agent.token, ticketId, false);
    await setTyping(t, channel.token, ticketId, false);
    await watcher.waitFor(4);
    expect(await t.snapshot()).toEqual(before);
  });

  it('lapses a true not renewed within 6 s: one false per subscriber, dated at the lapse; a renewal resets it, a false cancels it', async () => {
    const { channel, agent, ticketId } = await conversation();
    const first = await watch(t, t.adminToken, ticketId);
    const second = await watch(t, channel.token, ticketId);
    const both = [first, second];
    const typing = t.app.services.typing;

    const started = t.clock.now();
    await setTyping(t, agent.token, ticketId, true);
    for (const live of both) await live.waitFor(1);

    // Renewed at 5 s: the first true's lapse at 6 s passes without a word.
    const renewed = t.clock.advance(5);
    typing.lapseDue();
    await setTyping(t, agent.token, ticketId, true);
    for (const live of both) await live.waitFor(2);
    t.clock.advance(2);
    typing.lapseDue();
    // Something said after that moment shows nothing was said before it.
    const marker = t.clock.now();
    await setTyping(t, channel.token, ticketId, true);
    for (const live of both) await live.waitFor(3);

    // 6 s after the renewal: one false, however often the lapses are looked for.
    t.clock.set(new Date(renewed.getTime() + 6_000));
    typing.lapseDue();
    typing.lapseDue();
    for (const live of both) await live.waitFor(4);

    // The end user's explicit false ends its true; its lapse then never comes.
    await setTyping(t, channel.token, ticketId, false);
    for (const live of both) await live.waitFor(5);
    const later = t.clock.advance(30);
    typing.lapseDue();
    await setTyping(t, agent.token, ticketId, true);
    for (const live of both) await live.waitFor(6);

    const lapsedAt = new Date(renewed.getTime() + 6_000);
    for (const live of both) {
      expect(live.events.map(said)).toEqual([
        agentSaid(agent.id, true, started),
        agentSaid(agent.id, true, renewed),
        endUserSaid(true, marker),
        agentSaid(agent.id, false, lapsedAt),
        endUserSaid(false, lapsedAt),
        agentSaid(agent.id, true, later),
      ]);
    }
    await setTyping(t, agent.token, ticketId, false);
  });

  it('does not announce a renewal within a second of the last one (it still answers true)', async () => {
    const { agent, ticketId } = await conversation();
    const watcher = await watch(t, t.adminToken, ticketId);
    const started = t.clock.now();
    await setTyping(t, agent.token, ticketId, true);
    t.clock.advance(0.5);
    expect(await setTyping(t, agent.token, ticketId, true)).toEqual({ setTyping: true });
    const renewed = t.clock.advance(0.5);
    await setTyping(t, agent.token, ticketId, true);
    await watcher.waitFor(2);
    expect(watcher.events.map(said)).toEqual([
      agentSaid(agent.id, true, started),
      agentSaid(agent.id, true, renewed),
    ]);
    await setTyping(t, agent.token, ticketId, false);
  });

  describe('refusals change nothing and tell nobody', () => {
    it.each<[string, 'colleague' | 'admin' | 'stranger' | 'unknown' | 'malformed', string]>([
      ['another agent', 'colleague', 'FORBIDDEN'],
      ['an admin (not the assignee)', 'admin', 'FORBIDDEN'],
      ["another channel's integration", 'stranger', 'NOT_FOUND'],
      ['an unknown ticket', 'unknown', 'NOT_FOUND'],
      ['a malformed id', 'malformed', 'NOT_FOUND'],
    ])('%s: %s', async (_name, who, code) => {
      const { agent, ticketId } = await conversation();
      const watcher = await watch(t, t.adminToken, ticketId);
      const colleague = await createAgent(t, { status: 'OFFLINE' });
      const stranger = await createChannel(t, 'SOCIAL_MESSAGING');
      const callers: Record<typeof who, [string, string]> = {
        colleague: [colleague.token, ticketId],
        admin: [t.adminToken, ticketId],
        stranger: [stranger.token, ticketId],
        unknown: [agent.token, '00000000-0000-4000-8000-000000000000'],
        malformed: [agent.token, 'not-an-id'],
      };
      const [token, target] = callers[who];
      const before = await t.snapshot();
      const refused = await t.client.execute(SetTypingDocument, { ticketId: target, typing: true }, token);
      expect(errorCodes(refused)).toEqual([code]);
      expect(refused.data).toBeNull();
      expect(await t.snapshot()).toEqual(before);

      const at = t.clock.now();
      await setTyping(t, agent.token, ticketId, false); // not typing: nobody is told
      await setTyping(t, agent.token, ticketId, true);
      await watcher.waitFor(1);
      expect(watcher.events.map(said)).toEqual([agentSaid(agent.id, true, at)]);
      await setTyping(t, agent.token, ticketId, false);
    });

    it('a CLOSED ticket: ILLEGAL_TRANSITION, for either side', async () => {
      const channel = await createChannel(t, 'LIVE_CHAT');
      const agent = await createAgent(t, { status: 'OFFLINE' });
      const ticketId = (await receive(t, channel, `typing-closed-${++n}`, 'bye')).ticket.id;
      await assign(t, ticketId, agent.id);
      // LIVE_CHAT closes on solve.
      await t.client.ok(UpdateTicketStatusDocument, { ticketId, status: 'SOLVED' }, agent.token);
      const before = await t.snapshot();
      for (const token of [agent.token, channel.token]) {
        const refused = await t.client.execute(SetTypingDocument, { ticketId, typing: true }, token);
        expect(errorCodes(refused)).toEqual(['ILLEGAL_TRANSITION']);
      }
      expect(await t.snapshot()).toEqual(before);
    });

    it("the subscription: another channel's integration and an unknown ticket are NOT_FOUND", async () => {
      const { ticketId } = await conversation();
      const stranger = await createChannel(t, 'SOCIAL_MESSAGING');
      const ws = connectWs(t.wsUrl, `Bearer ${stranger.token}`);
      sockets.push(ws);
      await ws.acknowledged;
      for (const id of [ticketId, '00000000-0000-4000-8000-000000000000']) {
        const live = subscribeWs(ws.client, TypingDocument, { ticketId: id });
        await expect(live.waitFor(1)).rejects.toThrow(/NOT_FOUND/);
      }
    });
  });

  it("is rate limited per agent token (bursts of 10), 429 RATE_LIMITED; an integration's draws on its message bucket", async () => {
    const { channel, agent, ticketId } = await conversation();
    t.clock.advance(60);
    for (let i = 0; i < 10; i++) await setTyping(t, agent.token, ticketId, i % 2 === 0);
    const refused = await t.client.execute(SetTypingDocument, { ticketId, typing: true }, agent.token);
    expect(refused.status).toBe(429);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.errors![0]!.extensions!.retryAfterSeconds).toBe(1);

    // The bucket is the token's typing alone: a reply still goes through.
    await t.client.ok(SendMessageDocument, { ticketId, body: 'typed it' }, agent.token);
    for (let i = 0; i < 20; i++) await setTyping(t, channel.token, ticketId, i % 2 === 0);
    t.clock.advance(1);
    await setTyping(t, agent.token, ticketId, false);
  });
});

describe('typing across processes', () => {
  let b: TestApp;
  beforeAll(async () => {
    b = await startTestApp({ db: t.db, clock: t.clock });
  });
  afterAll(() => b.close());

  it('reaches subscribers on every process once, and each process lapses it once for its own', async () => {
    const { channel, agent, ticketId } = await conversation();
    const onA = await watch(t, channel.token, ticketId);
    const onB = await watch(b, t.adminToken, ticketId);
    const onBToo = await watch(b, agent.token, ticketId);
    const all = [onA, onB, onBToo];

    const started = t.clock.now();
    await setTyping(t, agent.token, ticketId, true);
    for (const live of all) await live.waitFor(1);
    await setTyping(b, channel.token, ticketId, true);
    for (const live of all) await live.waitFor(2);
    await setTyping(b, channel.token, ticketId, false);
    for (const live of all) await live.waitFor(3);

    const lapsedAt = t.clock.advance(6);
    for (const app of [t, b]) app.app.services.typing.lapseDue();
    for (const live of all) await live.waitFor(4);
    t.clock.advance(10);
    for (const app of [t, b]) app.app.services.typing.lapseDue();
    const marker = t.clock.now();
    await setTyping(b, agent.token, ticketId, true);
    for (const live of all) await live.waitFor(5);

    for (const live of all) {
      expect(live.events.map(said)).toEqual([
        agentSaid(agent.id, true, started),
        endUserSaid(true, started),
        endUserSaid(false, started),
        agentSaid(agent.id, false, lapsedAt),
        agentSaid(agent.id, true, marker),
      ]);
    }
    await setTyping(b, agent.token, ticketId, false);
  });
});

describe('typing on the system clock', () => {
  let r: TestApp<typeof systemClock>;
  beforeAll(async () => {
    // A short lapse, so the timer's own lapse comes quickly; nothing here depends on how quickly.
    r = await startTestApp({ db: t.db, clock: systemClock, limits: { typingLapseMs: 300 } });
  });
  afterAll(() => r.close());

  it('lapses by itself, once', async () => {
    const { agent, ticketId } = await conversation(r);
    const watcher = await watch(r, r.adminToken, ticketId);
    await setTyping(r, agent.token, ticketId, true);
    const [started, lapsed] = (await watcher.waitFor(2)).map((e) => e.typing);
    expect([started!.typing, lapsed!.typing]).toEqual([true, false]);
    expect(new Date(String(lapsed!.at)).getTime() - new Date(String(started!.at)).getTime()).toBe(300);

    // Whatever came after the lapse is the next true: no second false.
    await setTyping(r, agent.token, ticketId, true);
    const events = await watcher.waitFor(3);
    expect(events[2]!.typing.typing).toBe(true);
    await setTyping(r, agent.token, ticketId, false);
  });
});
