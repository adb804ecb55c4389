import type { IncomingMessage, ServerResponse } from 'node:http';

// What browser clients send: Apollo Client's own (client awareness, CSRF), W3C trace context and
// baggage, and Sentry's tracing header, besides the token and the request id.
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  'traceparent',
  'tracestate',
  'baggage',
  'sentry-trace',
].join(', ');
// A page can read the request's id to quote it in a report (http/request-id.ts).
const EXPOSED_HEADERS = 'x-request-id';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for browser clients on other origins. Tokens travel in the Authorization header, never in
 * cookies, so credentials are never allowed. An origin not on the list gets no CORS headers: the
 * browser then refuses to let its page read the response (a preflight is answered, empty, so the
 * refusal is the browser's and says why in its console).
 *
 * Returns true when it answered the request itself (a preflight).
 */
export function cors(origins: readonly string[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    const permitted = origin !== undefined && (any || allowed.has(origin));
    if (!any) res.setHeader('vary', 'Origin');
    if (permitted) {
      res.setHeader('access-control-allow-origin', any ? '*' : origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
    if (permitted) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    }
    res.statusCode = 204;
    res.end();
    return true;
  };
}
