import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/domain/clock';
import type { TestApp } from './test-app';

/**
 * POST /uploads and GET /files as a client sends them, over raw node:http, so a test controls every
 * byte: the multipart framing, the headers, a body cut off half way.
 */

export const BOUNDARY = '----parley-test-boundary-7MA4YWxkTrZu0gW';

export interface Part {
  name: string;
  /** Absent: a plain form field (no filename). */
  filename?: string;
  contentType?: string;
  data: Buffer | string;
}

/** A multipart/form-data body of these parts. */
export function multipart(parts: readonly Part[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.name}"`
        : `form-data; name="${part.name}"; filename="${part.filename}"`;
    const type = part.contentType === undefined ? '' : `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(part.data) ? part.data : Buffer.from(part.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** The opening of a file part, for bodies a test writes piece by piece. */
export function filePartHead(filename: string, contentType = 'application/octet-stream'): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
  );
}

export const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body as JSON, or null. */
  json: UploadAnswer | null;
}

/** What POST /uploads answers: the upload, or the GraphQL layer's error shape. */
export interface UploadAnswer {
  id?: string;
  fileName?: string;
  contentType?: string;
  size?: number;
  errors?: { message: string; extensions: { code: string; field?: string } }[];
}

export function portOf(t: TestApp<Clock>): number {
  return (t.app.httpServer.address() as AddressInfo).port;
}

/**
 * One request. The server may answer before the body is all sent (413) and close the connection:
 * an error writing the rest after the answer is expected, not a failure.
 */
export function request(
  t: TestApp<Clock>,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string | number>;
    body?: Buffer | string;
    /** Sent as Content-Length unless `chunked`. */
    chunked?: boolean;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string | number> = { ...options.headers };
    if (body && !options.chunked) headers['content-length'] = body.length;
    const req = http.request({
      host: '127.0.0.1',
      port: portOf(t),
      method: options.method ?? 'POST',
      path: options.path ?? '/uploads',
      headers,
      agent: false,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(responseOf(res, Buffer.concat(chunks))));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (body) req.write(body);
    req.end();
  });
}

function responseOf(res: http.IncomingMessage, body: Buffer): RawResponse {
  let json: UploadAnswer | null = null;
  if (String(res.headers['content-type']).startsWith('application/json')) {
    json = JSON.parse(body.toString('utf8')) as UploadAnswer;
  }
  return { status: res.statusCode ?? 0, headers: res.headers, body, json };
}

/**
 * A request whose body the test writes as it pleases (`write`), left open until the test ends or
 * destroys it; `response` settles when the server answers, whenever that is.
 */
export function openRequest(
  t: TestApp<Clock>,
  headers: Record<string, string | number>,
): { req: http.ClientRequest; response: Promise<RawResponse> } {
  const req = http.request({
    host: '127.0.0.1',
    port: portOf(t),
    method: 'POST',
    path: '/uploads',
    headers,
    agent: false,
  });
  const response = new Promise<RawResponse>((resolve, reject) => {
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(responseOf(res, Buffer.concat(chunks))));
      res.on('error', () => resolve(responseOf(res, Buffer.concat(chunks))));
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
  });
  // A test that destroys the request on purpose does not wait for an answer.
  response.catch(() => undefined);
  return { req, response };
}

/** A file uploaded as a client does; fails the test unless the server answers 201. */
export async function upload(
  t: TestApp<Clock>,
  token: string,
  file: { name?: string; type?: string; data?: Buffer | string } = {},
): Promise<{ id: string; fileName: string; contentType: string; size: number }> {
  const res = await request(t, {
    headers: { authorization: `Bearer ${token}`, 'content-type': MULTIPART },
    body: multipart([
      {
        name: 'file',
        filename: file.name ?? 'note.txt',
        contentType: file.type ?? 'text/plain',
        data: file.data ?? 'hello',
      },
    ]),
  });
  if (res.status !== 201 || !res.json?.id) {
    throw new Error(`upload failed (${res.status}): ${res.body.toString('utf8')}`);
  }
  return res.json as { id: string; fileName: string; contentType: string; size: number };
}

/** GET a link (relative or absolute) from this server. */
export function download(t: TestApp<Clock>, url: string, method = 'GET'): Promise<RawResponse> {
  const parsed = new URL(url, 'http://127.0.0.1');
  return request(t, { method, path: `${parsed.pathname}${parsed.search}` });
}
