import http from 'node:http';
import pino from 'pino';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../support/test-app';

type LogLine = Record<string, unknown> & { msg: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let t: TestApp;
let base: string;
const logged: LogLine[] = [];
beforeAll(async () => {
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logged.push(JSON.parse(line) as LogLine) },
  );
  t = await startTestApp({ logger });
  base = t.httpUrl.replace(/\/graphql$/, '');
});
afterAll(() => t.close());

const graphql = (body: string, headers: Record<string, string> = {}) =>
  fetch(t.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}`, ...headers },
    body,
  });

/** The operation's log line, found by its request id (lines are written before the answer is sent). */
const operationLine = (requestId: string) =>
  logged.find((l) => l.msg === 'graphql operation' && l.requestId === requestId);

describe('X-Request-Id', () => {
  it('keeps a well-formed incoming id, in the answer and on the operation’s log line', async () => {
    for (const id of ['abc-123', 'trace:0af7651916cd43dd.8448eb211c80319c_1', 'x'.repeat(128)]) {
      const res = await graphql(JSON.stringify({ query: 'query Named { __typename }' }), {
        'x-request-id': id,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(operationLine(id)).toMatchObject({ requestId: id, operation: 'Named', outcome: 'ok' });
    }
  });

  it('replaces a malformed or absent one with a fresh UUID, different for every request', async () => {
    const seen = new Set<string>();
    for (const id of [undefined, '', 'has spaces', 'x'.repeat(129), 'semi;colon', 'quote"d', 'ünïcode']) {
      const res = await graphql(
        JSON.stringify({ query: '{ __typename }' }),
        id === undefined ? {} : { 'x-request-id': id },
      );
      expect(res.status).toBe(200);
      const got = res.headers.get('x-request-id')!;
      expect(got).toMatch(UUID);
      expect(seen.has(got)).toBe(false);
      seen.add(got);
      expect(operationLine(got)).toMatchObject({ requestId: got, operation: null });
    }
  });

  it('replaces two ids sent at once (Node joins them with a comma)', async () => {
    const id = await new Promise<string | undefined>((resolve, reject) => {
      const req = http.request(`${base}/healthz`, { headers: { 'x-request-id': ['a', 'b'] } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.headers['x-request-id'] as string | undefined);
      });
      req.on('error', reject);
      req.end();
    });
    expect(id).toMatch(UUID);
  });

  it('is on every answer: errors, refusals, health, metrics, unknown paths and preflights', async () => {
    const cases: [string, () => Promise<Response>, number][] = [
      ['GraphQL error', () => graphql(JSON.stringify({ query: '{ nope }' })), 400],
      ['bad JSON', () => graphql('{"query": '), 400],
      [
        'body too large',
        () => graphql(JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(2 * 1024 * 1024) })),
        413,
      ],
      [
        'wrong token',
        () => graphql(JSON.stringify({ query: '{ __typename }' }), { authorization: 'Bearer wrong' }),
        401,
      ],
      ['healthz', () => fetch(`${base}/healthz`), 200],
      ['readyz', () => fetch(`${base}/readyz`), 200],
      ['metrics refused', () => fetch(`${base}/metrics`), 401],
      [
        'metrics',
        () => fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${t.adminToken}` } }),
        200,
      ],
      ['unknown path', () => fetch(`${base}/nowhere`), 404],
      [
        'preflight',
        () =>
          fetch(t.httpUrl, {
            method: 'OPTIONS',
            headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
          }),
        204,
      ],
    ];
    for (const [name, send, status] of cases) {
      const fresh = await send();
      await fresh.arrayBuffer();
      expect([name, fresh.status]).toEqual([name, status]);
      expect([name, fresh.headers.get('x-request-id')]).toEqual([name, expect.stringMatching(UUID)]);
    }
    const kept = await fetch(`${base}/nowhere`, { headers: { 'x-request-id': 'kept-on-404' } });
    expect(kept.status).toBe(404);
    expect(kept.headers.get('x-request-id')).toBe('kept-on-404');
  });

  it('lets a browser page on another origin send and read it', async () => {
    const res = await graphql(JSON.stringify({ query: '{ __typename }' }), {
      origin: 'http://localhost:5173',
    });
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const pre = await fetch(t.httpUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-request-id',
      },
    });
    expect(pre.headers.get('access-control-allow-headers')).toContain('x-request-id');
  });

  it('gives a WebSocket connection one, from its upgrade request, on the 101 answer', async () => {
    const upgradeId = (headers: Record<string, string>) =>
      new Promise<string | undefined>((resolve, reject) => {
        const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws', { headers });
        socket.on('upgrade', (res) => resolve(res.headers['x-request-id'] as string | undefined));
        socket.on('open', () => socket.close());
        socket.on('error', reject);
      });
    expect(await upgradeId({ 'x-request-id': 'socket-1' })).toBe('socket-1');
    expect(await upgradeId({ 'x-request-id': 'not ok' })).toMatch(UUID);
  });
});
