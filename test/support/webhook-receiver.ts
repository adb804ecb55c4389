import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A partner's webhook receiver on loopback, written from the documented scheme (the README's
 * "Webhooks for partners", docs/domain.md) and not from Parley's code: `Parley-Signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<raw body>")>`, one v1 per valid secret.
 */

/** The header's parts: its timestamp and every v1 value (null when the header is malformed). */
export function parseSignature(header: string | undefined): { t: string; v1: string[] } | null {
  if (!header) return null;
  let t: string | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) return null;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't') t = value;
    else if (key === 'v1') v1.push(value);
  }
  return t !== null && /^\d+$/.test(t) && v1.length > 0 ? { t, v1 } : null;
}

/** Whether one of the header's v1 values is HMAC-SHA256(secret, "<t>.<raw body>"), compared in constant time. */
export function verifySignature(header: string | undefined, rawBody: string, secret: string): boolean {
  const parsed = parseSignature(header);
  if (!parsed) return false;
  const expected = createHmac('sha256', secret).update(`${parsed.t}.${rawBody}`).digest();
  return parsed.v1.some((hex) => {
    if (!/^[0-9a-f]+$/i.test(hex)) return false;
    const given = Buffer.from(hex, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** How the receiver answers a request. */
export type ReceiverMode =
  | 'ok'
  /** 500. */
  | 'fail'
  /** Never answers (the sender times out). */
  | 'hang'
  /** Destroys the connection without an answer. */
  | 'destroy';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly eventId: string;
  readonly deliveryId: string;
  readonly signature: string | undefined;
  readonly rawBody: string;
  /** The body parsed as JSON (null when it is not JSON). */
  readonly json: WebhookBody | null;
  /** Whether the signature verified with one of the receiver's secrets. */
  readonly verified: boolean;
  readonly mode: ReceiverMode;
  /** When the request arrived, in receiverTime() milliseconds. */
  readonly startedAt: number;
  /** When its answer was written out or its connection ended (null until then), receiverTime(). */
  readonly endedAt: number | null;
}

/** A request as `respond`'s function sees it, before it is answered. */
export type RequestSeen = Omit<ReceivedRequest, 'mode' | 'verified' | 'startedAt' | 'endedAt'>;

/** The clock of startedAt/endedAt: wall-clock milliseconds with sub-millisecond resolution. */
export function receiverTime(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Answers 500 to the 1st, 3rd, 5th … request of each event and 2xx to the others: half of all
 * requests fail and every delivery is retried at least once, yet none fails twice in a row, so no
 * test depends on luck with the retry schedule.
 */
export function failEveryOtherAttempt(): (request: { eventId: string }) => ReceiverMode {
  const attempts = new Map<string, number>();
  return ({ eventId }) => {
    const n = (attempts.get(eventId) ?? 0) + 1;
    attempts.set(eventId, n);
    return n % 2 === 1 ? 'fail' : 'ok';
  };
}

/** The delivery document as the README and docs/domain.md describe it (the parts tests read). */
export interface WebhookBody {
  id: string;
  kind: string;
  at: string;
  ticket: {
    id: string;
    status: string;
    priority: string;
    channel: { id: string; kind: string; name: string };
    requester: { id: string; externalId: string; displayName: string | null };
    assignee: { id: string; name: string } | null;
    createdAt: string;
  };
  message: {
    id: string;
    sequence: number;
    authorType: string;
    body: string;
    externalId: string | null;
    clientMessageId: string | null;
    createdAt: string;
    attachments: unknown[];
  } | null;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Requests being answered right now (hanging ones included). */
  inFlight(): number;
  /** The secrets signatures are verified with. */
  setSecrets(secrets: readonly string[]): void;
  /** How to answer each request from now on (a function decides per request). */
  respond(mode: ReceiverMode | ((request: RequestSeen) => ReceiverMode)): void;
  /** Resolves once `predicate` holds for the requests received (fails after `timeoutMs`). */
  waitFor(
    predicate: (requests: readonly ReceivedRequest[]) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secrets: readonly string[] = []): Promise<WebhookReceiver> {
  let known = [...secrets];
  let decide: (request: RequestSeen) => ReceiverMode = () => 'ok';
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  let inFlight = 0;

  const server = http.createServer((req, res) => {
    const startedAt = receiverTime();
    inFlight++;
    let record: { endedAt: number | null } | null = null;
    let endedAt: number | null = null;
    res.on('close', () => {
      inFlight--;
      endedAt = receiverTime();
      if (record) record.endedAt = endedAt;
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let json: WebhookBody | null;
      try {
        json = JSON.parse(rawBody) as WebhookBody;
      } catch {
        json = null;
      }
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(',') : value;
      };
      const seen = {
        method: req.method ?? '',
        path: req.url ?? '/',
        headers: req.headers,
        eventId: header('parley-event-id') ?? '',
        deliveryId: header('parley-delivery-id') ?? '',
        signature: header('parley-signature'),
        rawBody,
        json,
      };
      const verified = known.some((secret) => verifySignature(seen.signature, rawBody, secret));
      const mode = verified ? decide(seen) : 'fail';
      const received = { ...seen, verified, mode, startedAt, endedAt };
      record = received;
      requests.push(received);
      for (const wake of waiters) wake();
      if (!verified) {
        res.writeHead(401).end('signature does not verify');
        return;
      }
      switch (mode) {
        case 'ok':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          return;
        case 'fail':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('failing on command');
          return;
        case 'hang':
          return;
        case 'destroy':
          req.socket.destroy();
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: (path = '/hooks') => `http://127.0.0.1:${port}${path}`,
    requests,
    inFlight: () => inFlight,
    setSecrets(next) {
      known = [...next];
    },
    respond(mode) {
      decide = typeof mode === 'function' ? mode : () => mode;
    },
    waitFor(predicate, what, timeoutMs = 20_000) {
      if (predicate(requests)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(requests)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the webhook receiver did not see ${what} within ${timeoutMs} ms (${requests.length} requests)`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
