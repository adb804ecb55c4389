import http from 'node:http';
import net from 'node:net';
import { connectWs, wsExecute, type WsConnection } from '../support/ws-client';
import { startTestApp, type TestApp } from '../support/test-app';

/** node:http's own limits, set short so slow clients are cut within the test (SECURITY.md "HTTP server limits"). */
const HEADERS_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 600;
const KEEP_ALIVE_TIMEOUT_MS = 400;
const MAX_CONNECTIONS = 4;

let t: TestApp;
let port: number;

beforeAll(async () => {
  t = await startTestApp({
    limits: {
      http: {
        headersTimeoutMs: HEADERS_TIMEOUT_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
        maxConnections: MAX_CONNECTIONS,
      },
    },
  });
  port = Number(new URL(t.httpUrl).port);
});
afterAll(() => t.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A raw connection that sends `head` at once and then one byte of `drip` every 50 ms. Resolves when
 * the server closes it: after how long, and what it answered.
 */
function slowClient(head: string, drip: string): Promise<{ afterMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < drip.length && socket.writable) socket.write(drip[sent++]!);
      }, 50);
    });
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: performance.now() - started, answer });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server never cut the slow client'));
    }, 10_000).unref();
  });
}

/** One request on a fresh connection: the status, or the error that ended it. */
function get(path = '/healthz'): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

describe('HTTP server limits', () => {
  it('cuts a client that sends its headers slowly once the headers timeout has passed', async () => {
    const { afterMs, answer } = await slowClient(
      'POST /graphql HTTP/1.1\r\nHost: x\r\n',
      'X-Slow: ' + 'a'.repeat(200),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(afterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 1_000);
  });

  it('cuts a client that sends its body slowly once the request timeout has passed', async () => {
    const head =
      'POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n';
    const { afterMs, answer } = await slowClient(head, '{"query":"' + ' '.repeat(900));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(afterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 1_000);
  });

  it('closes an idle keep-alive connection soon after the keep-alive timeout', async () => {
    const { afterMs, answer } = await slowClient('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', '');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(afterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 50);
    // Node keeps the socket a second beyond the timeout it advertises, so that a client reusing it
    // just in time is not reset.
    expect(afterMs).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1_000 + 600);
  });

  it('never cuts an upgraded WebSocket, however long it lives past those timeouts', async () => {
    const ws = connectWs(t.wsUrl, `Bearer ${t.adminToken}`);
    try {
      await ws.acknowledged;
      await sleep(REQUEST_TIMEOUT_MS * 2 + 500);
      expect((await wsExecute(ws.client, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    } finally {
      await ws.dispose();
    }
  });

  it('refuses connection N+1, WebSockets counted, and accepts again once one closes', async () => {
    const sockets: WsConnection[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) {
        const ws = connectWs(t.wsUrl, `Bearer ${t.adminToken}`);
        sockets.push(ws);
        await ws.acknowledged;
      }
      expect(await get()).toMatch(/^(ECONNRESET|EPIPE|socket hang up)$/);
      const extra = connectWs(t.wsUrl, `Bearer ${t.adminToken}`);
      await expect(extra.acknowledged).rejects.toThrow(/closed/);
      await extra.dispose();

      await sockets.pop()!.dispose();
      // The server counts the socket gone once its close reaches it.
      const deadline = performance.now() + 2_000;
      let status = await get();
      while (status !== 200 && performance.now() < deadline) {
        await sleep(20);
        status = await get();
      }
      expect(status).toBe(200);
    } finally {
      await Promise.all(sockets.map((ws) => ws.dispose()));
    }
  });
});
