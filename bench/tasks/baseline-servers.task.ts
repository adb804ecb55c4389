import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

let servers: http.Server[] = [];

function listen(server: http.Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** P2's baseline: node:http answering every POST with the bytes Parley answered, nothing else. */
export function bareHttpServer(args: { body: string }): Promise<{ port: number }> {
  const body = Buffer.from(args.body);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': body.length,
      });
      res.end(body);
    });
  });
  return listen(server).then((port) => ({ port }));
}

/**
 * P3's baseline: a bare `ws` server. Sockets join a topic from the URL (`/?topic=x`); POST /publish
 * with `{topic, payload}` serialises the payload once and sends it to every socket of the topic.
 */
export function rawWsServer(): Promise<{ port: number }> {
  const topics = new Map<string, Set<WebSocket>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { topic, payload } = JSON.parse(Buffer.concat(chunks).toString()) as {
        topic: string;
        payload: unknown;
      };
      const frame = JSON.stringify({ type: 'next', payload });
      for (const socket of topics.get(topic) ?? []) socket.send(frame);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    const topic = new URL(req.url ?? '/', 'http://x').searchParams.get('topic') ?? '';
    let set = topics.get(topic);
    if (!set) topics.set(topic, (set = new Set()));
    set.add(socket);
    socket.on('close', () => set.delete(socket));
  });
  return listen(server).then((port) => ({ port }));
}

export async function stopServers(): Promise<null> {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  return null;
}
