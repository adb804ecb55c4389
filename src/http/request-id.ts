import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

// Wide enough for the ids proxies and tracing systems send (UUIDs, hex trace ids, "host:seq"),
// narrow enough that a client's value is safe to echo in a header and to log.
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

const ids = new WeakMap<IncomingMessage, string>();

/**
 * The request's id: the X-Request-Id it came with when well formed (so a proxy's or a client's id
 * leads to our log lines), else a fresh UUID. The same for every call on one request; a WebSocket's
 * upgrade request gives its connection's id.
 */
export function requestId(req: IncomingMessage): string {
  let id = ids.get(req);
  if (id === undefined) {
    // Node joins repeated headers with ", ", which is not well formed: two ids are replaced by one.
    const incoming = req.headers[REQUEST_ID_HEADER];
    id = typeof incoming === 'string' && WELL_FORMED.test(incoming) ? incoming : randomUUID();
    ids.set(req, id);
  }
  return id;
}
