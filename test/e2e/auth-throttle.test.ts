import http from 'node:http';
import WebSocket from 'ws';
import { RevokeTokenDocument, RotateAgentTokenDocument } from '../generated/operations';
import { createAgent } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Failed authentication per client address (SECURITY.md "Failed authentication"). Clients are told
 * apart by the loopback address they connect from (127.0.0.x), as real clients are by theirs.
 */
let t: TestApp;
let agent: { id: string; token: string };
let port: number;
// Each case throttles an address of its own, so no case inherits another's bucket.
let nextAddress = 10;
const freshAddress = () => `127.0.0.${nextAddress++}`;

const BURST = 5;

beforeAll(async () => {
  t = await startTestApp({
    limits: {
      auth: { failures: { perSecond: 1, burst: BURST }, negativeCacheMs: 30_000, trustProxy: false },
    },
  });
  port = Number(new URL(t.httpUrl).port);
  agent = await createAgent(t, { status: 'OFFLINE' });
});
afterAll(() => t.close());
// Buckets full and negative cache expired between cases.
afterEach(() => void t.clock.advance(60));

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** POST /graphql from `localAddress`, over a connection of its own. */
function post(localAddress: string, authorization: string, query = '{ me { status } }'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify({ query });
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        path: '/graphql',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', authorization },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter, body: JSON.parse(text) as Answer['body'] });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A graphql-ws connection_init from `localAddress`: the close code, or 'ack'. */
function connectionInit(
  localAddress: string,
  authorization: string,
): Promise<{ code: number | 'ack'; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws', { localAddress });
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } })),
    );
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') {
        socket.close(1000);
        resolve({ code: 'ack', reason: '' });
      }
    });
    socket.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
    socket.on('error', reject);
  });
}

const wrongToken = (n: number | string) => `Bearer prl_agent_wrong-${n}-${Math.random()}`;
const lookups = () => t.app.services.auth.tokenLookups;

describe('failed authentication, per client address', () => {
  it('answers 401 within the budget, then 429 with Retry-After, and stops looking tokens up', async () => {
    const attacker = freshAddress();
    const before = lookups();
    for (let i = 0; i < BURST; i++) {
      const answer = await post(attacker, wrongToken(i));
      expect(answer.status).toBe(401);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(lookups() - before).toBe(BURST);

    // 40 more at once, new guesses and a repeated one alike: refused, and not one more lookup.
    const repeated = wrongToken('repeated');
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post(attacker, i % 2 === 0 ? wrongToken(`more-${i}`) : repeated)),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(429);
      expect(answer.retryAfter).toBe('1');
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({
        code: 'RATE_LIMITED',
        retryAfterSeconds: 1,
      });
    }
    expect(lookups() - before).toBe(BURST);
  });

  it('serves good tokens meanwhile: from other addresses, and from the throttled one', async () => {
    const attacker = freshAddress();
    for (let i = 0; i <= BURST; i++) await post(attacker, wrongToken(i));
    expect((await post(attacker, wrongToken('x'))).status).toBe(429);

    const other = await post(freshAddress(), `Bearer ${agent.token}`);
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ data: { me: { status: 'OFFLINE' } } });
    // Only failures count: a good token from the throttled address is still served.
    expect((await post(attacker, `Bearer ${agent.token}`)).body).toEqual({
      data: { me: { status: 'OFFLINE' } },
    });
    // So is the admin token (never looked up at all).
    expect((await post(attacker, `Bearer ${t.adminToken}`, '{ __typename }')).status).toBe(200);
    // And another address's wrong tokens are its own business: it is not throttled.
    expect((await post(freshAddress(), wrongToken('y'))).status).toBe(401);
  });

  it('refills as the injected clock moves', async () => {
    const attacker = freshAddress();
    for (let i = 0; i < BURST; i++) await post(attacker, wrongToken(i));
    expect((await post(attacker, wrongToken('a'))).status).toBe(429);
    t.clock.advance(1);
    const before = lookups();
    expect((await post(attacker, wrongToken('b'))).status).toBe(401);
    expect(lookups() - before).toBe(1);
    expect((await post(attacker, wrongToken('c'))).status).toBe(429);
    t.clock.advance(BURST);
    for (let i = 0; i < BURST; i++) expect((await post(attacker, wrongToken(`d-${i}`))).status).toBe(401);
  });

  it('answers a token already found wrong from memory, without a lookup', async () => {
    const client = freshAddress();
    const wrong = wrongToken('remembered');
    const before = lookups();
    for (let i = 0; i < 3; i++) expect((await post(client, wrong)).status).toBe(401);
    expect(lookups() - before).toBe(1);
  });

  it('lets a token issued after its address was throttled work at once; a revoked one fails from then on', async () => {
    const client = freshAddress();
    for (let i = 0; i <= BURST; i++) await post(client, wrongToken(i));
    expect((await post(client, wrongToken('z'))).status).toBe(429);

    const rotated = await t.client.ok(
      RotateAgentTokenDocument,
      { agentId: agent.id, revokeExisting: false },
      t.adminToken,
    );
    const fresh = `Bearer ${rotated.rotateAgentToken.token}`;
    expect((await post(client, fresh)).status).toBe(200);

    await t.client.ok(RevokeTokenDocument, { id: rotated.rotateAgentToken.apiToken.id }, t.adminToken);
    // Looked up (once good) and refused; from then on refused from memory and counted.
    const before = lookups();
    expect((await post(freshAddress(), fresh)).status).toBe(401);
    expect((await post(client, fresh)).status).toBe(429);
    expect(lookups() - before).toBe(1);
  });

  it('refuses connection_init past the budget with 4429, leaving good tokens and other addresses alone', async () => {
    const attacker = freshAddress();
    for (let i = 0; i < BURST; i++) {
      expect(await connectionInit(attacker, wrongToken(i))).toEqual({ code: 4401, reason: 'Unauthorized' });
    }
    const before = lookups();
    const refused = await connectionInit(attacker, wrongToken('ws'));
    expect(refused.code).toBe(4429);
    expect(refused.reason).toBe('Too many failed authentications; retry in 1 s');
    expect(lookups()).toBe(before);
    // HTTP and WebSocket share the address's budget.
    expect((await post(attacker, wrongToken('http'))).status).toBe(429);

    expect((await connectionInit(attacker, `Bearer ${agent.token}`)).code).toBe('ack');
    expect((await connectionInit(freshAddress(), wrongToken('other'))).code).toBe(4401);
  });
});
