import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { requestId } from './request-id';
import { expandFrame } from './shared-payload';
import type { Logger } from '../observability/logger';

export interface WsExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

const KEEP_ALIVE_MS = 12_000;

/**
 * graphql-ws on a `ws` server: graphql-ws's own `useServer`, plus what it cannot do for us:
 * frames carrying a once-serialised shared result are expanded here (http/shared-payload.ts),
 * and errors go to the structured log instead of the console.
 */
export function serveGraphQLWs<
  P extends Record<string, unknown> | undefined,
  E extends Record<PropertyKey, unknown>,
>(
  options: ServerOptions<P, E & WsExtra>,
  wss: WebSocketServer,
  logger: Logger,
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;

  wss.on('connection', (socket, request) => {
    socket.once('error', (err) => {
      logger.error({ err, requestId: requestId(request) }, 'WebSocket error');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });

    // Ping every KEEP_ALIVE_MS; a peer that has not answered by the next ping is gone.
    let alive = true;
    socket.on('pong', () => (alive = true));
    const keepAlive = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, KEEP_ALIVE_MS);

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(expandFrame(data), (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', (data: Buffer) => {
            cb(data.toString()).catch((err: unknown) => {
              logger.error({ err, requestId: requestId(request) }, 'WebSocket message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request } as E & WsExtra,
    );
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      void closed(code, reason.toString());
    });
  });

  return {
    dispose: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
