import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

export interface GraphQLHttpOptions<C extends BaseContext> {
  context: (req: IncomingMessage) => Promise<C>;
  /** Larger bodies are refused with 413 before they are read in full. */
  bodyLimitBytes: number;
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
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            method: (req.method ?? 'GET').toUpperCase(),
            headers,
            search: query === -1 ? '' : url.slice(query),
            body,
          },
          context: () => options.context(req),
        });
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
  if (res.headersSent) return void res.destroy();
  const payload = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
