import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { QueryLimiter } from '../graphql/query-limits';

export interface GraphQLHttpOptions<C extends BaseContext> {
  context: (req: IncomingMessage) => Promise<C>;
  /** Larger bodies are refused with 413 before they are read in full. */
  bodyLimitBytes: number;
  /** Checked before Apollo parses or validates anything: an abusive query costs one cached lookup. */
  limiter: QueryLimiter;
  /** How a refusal's errors reach the client (the same mapping as Apollo's). */
  formatError: (error: GraphQLError) => unknown;
}

/**
 * Apollo on node:http directly. Express's router and body parsers cost about a quarter of a small
 * query's time (measured with `npm run bench`, P2) and did nothing here but read JSON, so /graphql
 * bypasses them; the other routes (health) stay on Express.
 */
export function graphqlHttpHandler<C extends BaseContext>(
  apollo: ApolloServer<C>,
  options: GraphQLHttpOptions<C>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    readBody(req, options.bodyLimitBytes).then(
      async (raw) => {
        let body: unknown;
        if (raw.length > 0 && isJson(req.headers['content-type'])) {
          try {
            body = JSON.parse(raw);
          } catch {
            return sendError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON');
          }
        }
        const headers = new HeaderMap();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const url = req.url ?? '';
        const query = url.indexOf('?');
        const search = query === -1 ? '' : url.slice(query);
        const refusals = checkLimits(options.limiter, body, search);
        if (refusals.length > 0) {
          return sendJson(res, 400, { errors: refusals.map((e) => options.formatError(e)) });
        }
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            method: (req.method ?? 'GET').toUpperCase(),
            headers,
            search,
            body,
          },
          context: () => options.context(req),
        });
        // Answers carry one caller's private data: no shared cache may keep them.
        res.setHeader('cache-control', 'no-store');
        for (const [name, value] of response.headers) res.setHeader(name, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') {
          res.end(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      },
      (err: unknown) => {
        if (err instanceof BodyTooLarge) sendError(res, 413, 'PAYLOAD_TOO_LARGE', err.message);
        else if (!res.headersSent) sendError(res, 400, 'BAD_REQUEST', 'The request body could not be read');
        else res.destroy();
      },
    );
  };
}

class BodyTooLarge extends Error {}

/**
 * A POST's JSON body or a GET's search string. A batch (an array) is left to Apollo, which refuses
 * it whole: batching is off. Anything malformed is left to Apollo too, which says what is wrong.
 */
function checkLimits(limiter: QueryLimiter, body: unknown, search: string): GraphQLError[] {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const { query, variables, operationName } = body as Record<string, unknown>;
    if (typeof query !== 'string') return [];
    return limiter.check(
      query,
      asObject(variables),
      typeof operationName === 'string' ? operationName : undefined,
    );
  }
  if (body !== undefined || search === '') return [];
  const params = new URLSearchParams(search);
  const query = params.get('query');
  if (query === null) return [];
  let variables: unknown;
  try {
    variables = JSON.parse(params.get('variables') ?? 'null');
  } catch {
    return []; // Apollo refuses it, saying why
  }
  return limiter.check(query, asObject(variables), params.get('operationName'));
}

/** Variables as the cost needs them; anything else is left for Apollo to refuse. */
function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mime === 'application/json' || mime.endsWith('+json');
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      return reject(new BodyTooLarge(`The request body is larger than ${limit} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge(`The request body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const payload = JSON.stringify(body);
  res.setHeader('cache-control', 'no-store');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
