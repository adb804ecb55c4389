import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { GraphQLError } from 'graphql';
import { contentDisposition } from '../domain/attachment/attachment.rules';
import { ATTACHMENT_PATH_PREFIX } from '../domain/attachment/attachment-link';
import type { Principal } from '../domain/auth/principal';
import { DomainError } from '../domain/errors';
import type { Logger } from '../observability/logger';
import type { AttachmentService, StoredFile } from '../services/attachments/attachment.service';

export const UPLOADS_PATH = '/uploads';
export { ATTACHMENT_PATH_PREFIX as FILES_PATH_PREFIX };

// The one part a request carries.
const FILE_FIELD = 'file';

// Room for the multipart framing around the file (boundaries, a part's headers and its name): a
// body declared larger than the file limit and this cannot fit, and is refused before it is read.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export interface UploadRouteOptions {
  attachments: AttachmentService;
  /** PARLEY_UPLOAD_MAX_BYTES. */
  maxBytes: number;
  /** The caller, as for /graphql; a refusal is a GraphQLError carrying its HTTP status. */
  authenticate: (req: IncomingMessage) => Promise<Principal>;
  /** The caller's mutation bucket: a refusal (429) or null once a token is taken. */
  rateLimit: (principal: Principal) => GraphQLError | null;
  /** An error that says the database is away (503) rather than a fault (500). */
  unavailable: (err: unknown) => GraphQLError | null;
  logger: Logger;
}

/** A refusal: status, code and message, as JSON in the GraphQL layer's error shape. */
class Refusal {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly extra: { field?: string; headers?: Record<string, string> } = {},
  ) {}
}

/**
 * POST /uploads (docs/domain.md "Attachments"): one multipart/form-data part named `file`, from a
 * signed-in caller of any role, streamed to storage as it arrives; 201 with the upload. Every
 * refusal leaves nothing behind: no row is written until the whole body has been read and found
 * right, and stored bytes of a refused or cut-off request are removed. A file past the size limit
 * is refused with 413 as soon as it passes it; the rest of the body is then only drained, for at
 * most LINGER_MS, before the connection is closed.
 */
export function uploadHandler(
  options: UploadRouteOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void receiveUpload(options, req, res).catch((err: unknown) => {
      options.logger.error({ err }, 'an upload failed');
      if (!res.headersSent) sendRefusal(req, res, internalError());
      else res.destroy();
    });
  };
}

async function receiveUpload(
  options: UploadRouteOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'POST') {
    return sendRefusal(
      req,
      res,
      new Refusal(405, 'METHOD_NOT_ALLOWED', 'POST a file here', { headers: { allow: 'POST' } }),
    );
  }
  let principal: Principal;
  try {
    principal = await options.authenticate(req);
  } catch (err) {
    return sendRefusal(req, res, refusalOf(err, options));
  }
  if (principal.role === 'ANONYMOUS') {
    return sendRefusal(
      req,
      res,
      new Refusal(
        401,
        'UNAUTHENTICATED',
        'Sign in first: send your token as "Authorization: Bearer <token>"',
        {
          headers: { 'www-authenticate': 'Bearer' },
        },
      ),
    );
  }
  const limited = options.rateLimit(principal);
  if (limited) return sendRefusal(req, res, refusalOf(limited, options));

  const mime = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mime !== 'multipart/form-data') {
    return sendRefusal(
      req,
      res,
      new Refusal(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the file as multipart/form-data, in one part named "file"',
      ),
    );
  }
  const declared = Number(req.headers['content-length']);
  if (declared > options.maxBytes + MULTIPART_OVERHEAD_BYTES)
    return sendRefusal(req, res, tooLarge(options.maxBytes));

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      // Browsers send a name as raw UTF-8 in filename="…".
      defParamCharset: 'utf8',
      // busboy reports its limit once a file reaches it: one byte more than we accept.
      limits: { fileSize: options.maxBytes + 1, files: 1, fields: 0, headerPairs: 20 },
    });
  } catch {
    // A multipart type without a boundary.
    return sendRefusal(
      req,
      res,
      new Refusal(400, 'BAD_REQUEST', 'The multipart/form-data body has no boundary'),
    );
  }
  await new Promise<void>((resolve) =>
    new UploadRequest(options, req, res, principal, parser, resolve).start(),
  );
}

/** One upload request's parse: at most one outcome, whatever order the events come in. */
class UploadRequest {
  private file: {
    stream: Readable;
    storing: Promise<StoredFile>;
    fileName?: string;
    contentType: string;
  } | null = null;
  private done = false;

  constructor(
    private readonly options: UploadRouteOptions,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly principal: Principal,
    private readonly parser: busboy.Busboy,
    private readonly resolve: () => void,
  ) {}

  start(): void {
    const { parser, req } = this;
    parser.on('file', (name, stream, info) => {
      if (this.done) return void stream.resume();
      if (name !== FILE_FIELD) {
        stream.resume();
        return this.refuse(
          badPart(`The file must be in a part named "${FILE_FIELD}", not ${JSON.stringify(name)}`),
        );
      }
      // refuse() may destroy the stream before storage has attached to it (it may await first): an
      // 'error' with no listener would end the process. Storage still sees the error (pipeline
      // reports a stream that has already failed).
      stream.on('error', () => undefined);
      stream.on('limit', () => this.refuse(tooLarge(this.options.maxBytes)));
      const storing = this.options.attachments.store(stream);
      storing.catch((err: unknown) => {
        // Not a refusal (that set `done` first): storage itself failed (a full disk, say).
        if (this.done) return;
        this.options.logger.error({ err }, 'an upload could not be stored');
        this.refuse(internalError());
      });
      this.file = { stream, storing, fileName: info.filename, contentType: info.mimeType };
    });
    parser.on('filesLimit', () => this.refuse(badPart('Send one file per request')));
    parser.on('fieldsLimit', () =>
      this.refuse(
        badPart(
          `Send only the file, in one part named "${FILE_FIELD}" with a filename; other form fields are not accepted`,
        ),
      ),
    );
    parser.on('error', () =>
      this.refuse(new Refusal(400, 'BAD_REQUEST', 'The multipart/form-data body is malformed or cut short')),
    );
    // The whole body is read (busboy also waits for the file's stream to end): only now is it known
    // that nothing else came with the file.
    parser.on('close', () => {
      if (this.done) return;
      const file = this.file;
      if (!file) return this.refuse(badPart(`No file: send it in a part named "${FILE_FIELD}"`));
      file.storing.then(
        (stored) => this.finish(stored, file),
        () => undefined,
      );
    });
    // A client that goes away mid-body: nothing to answer, everything to remove.
    req.on('error', () => this.refuse(null));
    req.on('close', () => {
      if (!req.complete) this.refuse(null);
    });
    req.pipe(parser);
  }

  /** The file is stored and the body read to its end: it becomes the caller's upload. */
  private async finish(
    stored: StoredFile,
    file: { stream: Readable; fileName?: string; contentType: string },
  ) {
    if (this.done) return;
    // A file that reached the limit ends normally, cut short; its 'limit' has refused it already.
    if ((file.stream as Readable & { truncated?: boolean }).truncated) {
      this.refuse(tooLarge(this.options.maxBytes));
      return;
    }
    this.done = true;
    try {
      const upload = await this.options.attachments.record(this.principal, stored, file);
      sendJson(this.req, this.res, 201, {
        id: upload.id,
        fileName: upload.fileName,
        contentType: upload.contentType,
        size: upload.size,
      });
    } catch (err) {
      const unavailable = this.options.unavailable(err);
      if (!unavailable) this.options.logger.error({ err }, 'an upload could not be recorded');
      sendRefusal(this.req, this.res, unavailable ? refusalOf(unavailable, this.options) : internalError());
    }
    this.resolve();
  }

  /**
   * Ends the request with `refusal` (null: the client is gone) once whatever it stored is removed,
   * so a client told "refused" finds nothing of its request left.
   */
  private refuse(refusal: Refusal | null): void {
    if (this.done) return;
    this.done = true;
    this.req.unpipe(this.parser);
    void this.removeStored().then(() => {
      if (refusal) sendRefusal(this.req, this.res, refusal);
      this.resolve();
    });
  }

  private async removeStored(): Promise<void> {
    if (!this.file) return;
    // The store's pipeline fails with this and removes what it had written itself.
    this.file.stream.destroy(new Error('upload refused'));
    const stored = await this.file.storing.catch(() => null);
    if (stored) await this.discard(stored);
  }

  private async discard(stored: StoredFile): Promise<void> {
    try {
      await this.options.attachments.discard(stored);
    } catch (err) {
      this.options.logger.warn({ err, storageKey: stored.key }, 'refused upload bytes could not be removed');
    }
  }
}

const badPart = (message: string) => new Refusal(400, 'BAD_USER_INPUT', message, { field: FILE_FIELD });

export interface FileRouteOptions {
  attachments: AttachmentService;
  unavailable: (err: unknown) => GraphQLError | null;
  logger: Logger;
}

/**
 * GET /files/<id>?expires=…&sig=… (docs/domain.md "Attachments"): the bytes of an attachment, for
 * whoever holds a link that the server signed and that has not expired; 404 alike for an unknown
 * id, an expired link or a tampered one. Images are served inline (not SVG), everything else as a
 * download, always with nosniff and a content policy that runs nothing.
 */
export function fileHandler(options: FileRouteOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void serveFile(options, req, res).catch((err: unknown) => {
      const unavailable = options.unavailable(err);
      if (!unavailable) options.logger.error({ err }, 'an attachment could not be served');
      if (!res.headersSent)
        sendRefusal(req, res, unavailable ? refusalOf(unavailable, options) : internalError());
      else res.destroy();
    });
  };
}

async function serveFile(
  options: FileRouteOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendRefusal(
      req,
      res,
      new Refusal(405, 'METHOD_NOT_ALLOWED', 'GET a file here', { headers: { allow: 'GET, HEAD' } }),
    );
  }
  const url = new URL(req.url ?? '/', 'http://parley.invalid');
  const id = decodeURIComponentSafe(url.pathname.slice(ATTACHMENT_PATH_PREFIX.length));
  const served =
    id === null
      ? null
      : await options.attachments.open(id, url.searchParams.get('expires'), url.searchParams.get('sig'));
  if (!served) {
    return sendRefusal(
      req,
      res,
      new Refusal(
        404,
        'NOT_FOUND',
        'No such file, or the link has expired: ask for the message again for a fresh link',
      ),
    );
  }
  const { upload, content } = served;
  res.writeHead(200, {
    'content-type': upload.contentType,
    'content-length': upload.size,
    'content-disposition': contentDisposition(upload.fileName, upload.contentType),
    'x-content-type-options': 'nosniff',
    // Nothing in a file runs, whatever it is, even opened as a page of this origin.
    'content-security-policy': "default-src 'none'; sandbox",
    // The link is the permission: a console on another origin may show an image it was given.
    'cross-origin-resource-policy': 'cross-origin',
    // One person's link: no shared cache keeps it.
    'cache-control': 'private, no-store',
  });
  if (req.method === 'HEAD') {
    content.destroy();
    res.end();
    return;
  }
  content.on('error', (err) => {
    options.logger.error({ err, uploadId: upload.id }, "an attachment's bytes could not be read");
    res.destroy();
  });
  res.on('close', () => content.destroy());
  content.pipe(res);
}

function decodeURIComponentSafe(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

const tooLarge = (maxBytes: number) =>
  new Refusal(
    413,
    'PAYLOAD_TOO_LARGE',
    `The file is larger than ${maxBytes} bytes (PARLEY_UPLOAD_MAX_BYTES)`,
  );

const internalError = () => new Refusal(500, 'INTERNAL_SERVER_ERROR', 'The upload failed; try again');

/** The GraphQL layer's refusals (authentication, rate limits, availability) as this route's. */
function refusalOf(err: unknown, options: { unavailable: (err: unknown) => GraphQLError | null }): Refusal {
  if (err instanceof DomainError) return new Refusal(401, err.code, err.message);
  const known = err instanceof GraphQLError ? err : options.unavailable(err);
  if (!known) throw err;
  const http = known.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of http?.headers ?? []) headers[name] = value;
  return new Refusal(
    http?.status ?? 500,
    String(known.extensions.code ?? 'INTERNAL_SERVER_ERROR'),
    known.message,
    {
      headers,
    },
  );
}

function sendRefusal(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  for (const [name, value] of Object.entries(refusal.extra.headers ?? {})) res.setHeader(name, value);
  const extensions = { code: refusal.code, ...(refusal.extra.field ? { field: refusal.extra.field } : {}) };
  sendJson(req, res, refusal.status, { errors: [{ message: refusal.message, extensions }] });
}

// Long enough for a client still sending to read the answer; short enough that an endless body
// costs little.
const LINGER_MS = 2_000;

/**
 * A refusal answered before the body was read to its end. Closing at once with the rest unread
 * would reset the connection, and a client still sending could lose the answer with it (why HTTP
 * servers "linger"): the rest is read and dropped, and the connection closed if the body has not
 * ended by LINGER_MS.
 */
function lingerThenClose(req: IncomingMessage): void {
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.resume();
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const payload = JSON.stringify(body);
  res.setHeader('cache-control', 'no-store');
  if (!req.complete) lingerThenClose(req);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
