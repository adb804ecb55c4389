import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { eventually } from '../support/client-harness';
import { createAgent, createChannel } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  BOUNDARY,
  filePartHead,
  multipart,
  MULTIPART,
  openRequest,
  request,
  upload,
  type RawResponse,
} from '../support/upload-client';

/**
 * POST /uploads (docs/domain.md "Attachments"; SECURITY.md "Uploads and attachment links"): one
 * file in a part named `file`, from any signed-in caller, streamed to disk. Every hostile request
 * gets a clear 4xx with a JSON code and leaves nothing behind: no file on disk, no row.
 */
const MAX_BYTES = 64 * 1024;

let t: TestApp;
let db: pg.Client;
let agent: { id: string; token: string };
let channel: { id: string; token: string };

beforeAll(async () => {
  t = await startTestApp({
    limits: {
      uploads: { maxBytes: MAX_BYTES, attachWindowSeconds: 3_600 },
      // A small bucket: the rate-limit test spends it on an agent of its own.
      rateLimits: { messages: null, mutations: { perSecond: 1, burst: 3 }, typing: null },
    },
  });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  agent = await createAgent(t, { status: 'OFFLINE' });
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
});
afterAll(async () => {
  await db.end();
  await t.close();
});

const admin = () => ({ authorization: `Bearer ${t.adminToken}` });

async function uploadRows(): Promise<number> {
  return Number((await db.query<{ n: string }>('select count(*)::text as n from uploads')).rows[0]!.n);
}

/** What is on disk now: stored files and partial ones alike. */
function onDisk(): string[] {
  return existsSync(t.uploadDir) ? readdirSync(t.uploadDir) : [];
}

/** The state every refusal must leave as it found: rows and files. */
async function state() {
  return { rows: await uploadRows(), files: onDisk().sort() };
}

function refused(res: RawResponse, status: number, code: string, field?: string): void {
  expect({ status: res.status, code: res.json?.errors?.[0]?.extensions.code }).toEqual({ status, code });
  expect(res.json?.errors?.[0]?.message).toEqual(expect.any(String));
  if (field !== undefined) expect(res.json?.errors?.[0]?.extensions.field).toBe(field);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

const file = (data: Buffer | string = 'hello', filename = 'hello.txt', contentType = 'text/plain') => ({
  name: 'file',
  filename,
  contentType,
  data,
});

describe('POST /uploads stores one file for any signed-in caller', () => {
  it.each([
    ['an agent', () => agent.token, 'AGENT', () => agent.id],
    ['an integration (its channel)', () => channel.token, 'INTEGRATION', () => channel.id],
    ['an admin', () => t.adminToken, 'ADMIN', () => null],
  ])(
    '%s: 201 with the upload; the bytes on disk under its id, never its name',
    async (_who, token, type, owner) => {
      const data = Buffer.from([0, 1, 2, 255, 254, 13, 10, 45, 45]);
      const res = await request(t, {
        headers: { authorization: `Bearer ${token()}`, 'content-type': MULTIPART },
        body: multipart([file(data, 'photo.png', 'image/png')]),
      });
      expect(res.status).toBe(201);
      expect(res.json).toEqual({
        id: expect.any(String),
        fileName: 'photo.png',
        contentType: 'image/png',
        size: 9,
      });
      expect(res.headers['cache-control']).toBe('no-store');
      // The server's security headers and request id apply here too.
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      const id = res.json!.id!;
      expect(readFileSync(join(t.uploadDir, id))).toEqual(data);
      const row = await db.query(
        'select owner_type, owner_id, file_name, content_type, size, storage_key, message_id from uploads where id = $1',
        [id],
      );
      expect(row.rows).toEqual([
        {
          owner_type: type,
          owner_id: owner(),
          file_name: 'photo.png',
          content_type: 'image/png',
          size: 9,
          storage_key: id,
          message_id: null,
        },
      ]);
    },
  );

  it('accepts a file of exactly PARLEY_UPLOAD_MAX_BYTES', async () => {
    const res = await request(t, {
      headers: { ...admin(), 'content-type': MULTIPART },
      body: multipart([file(Buffer.alloc(MAX_BYTES, 7), 'full.bin', 'application/octet-stream')]),
    });
    expect(res.status).toBe(201);
    expect(res.json?.size).toBe(MAX_BYTES);
  });

  it('accepts an empty file', async () => {
    const res = await request(t, {
      headers: { ...admin(), 'content-type': MULTIPART },
      body: multipart([file('', 'empty.txt')]),
    });
    expect(res.status).toBe(201);
    expect(res.json?.size).toBe(0);
  });

  it.each<[string, string, string]>([
    ['a path-traversal name: its last part only', '../../etc/passwd', 'passwd'],
    ['a Windows path', 'C:\\Users\\kim\\report.pdf', 'report.pdf'],
    ['a right-to-left override', 'invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['Korean (UTF-8, as browsers send it)', '견적서.pdf', '견적서.pdf'],
    ['nothing but a path', '../', 'file'],
  ])('%s: the name is display text (%j → %j)', async (_label, sent, shown) => {
    const before = onDisk();
    const res = await request(t, {
      headers: { ...admin(), 'content-type': MULTIPART },
      body: multipart([file('x', sent)]),
    });
    expect(res.status).toBe(201);
    expect(res.json?.fileName).toBe(shown);
    // Stored as the id, in the upload folder, whatever the name said.
    expect(onDisk().filter((f) => !before.includes(f))).toEqual([res.json!.id]);
  });

  it('filename* (RFC 5987): decoded, then cleaned of control characters', async () => {
    const body = Buffer.concat([
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''a%07b%1B%E2%80%AEc%20%EC%82%AC%EC%A7%84.txt\r\n` +
          'Content-Type: text/plain\r\n\r\nx\r\n',
      ),
      Buffer.from(`--${BOUNDARY}--\r\n`),
    ]);
    const res = await request(t, { headers: { ...admin(), 'content-type': MULTIPART }, body });
    expect(res.status).toBe(201);
    expect(res.json?.fileName).toBe('abc 사진.txt');
  });

  it('caps a huge file name at 255 characters, keeping the extension', async () => {
    const res = await request(t, {
      headers: { ...admin(), 'content-type': MULTIPART },
      body: multipart([file('x', `${'a'.repeat(10_000)}.pdf`)]),
    });
    expect(res.status).toBe(201);
    expect(res.json?.fileName).toBe(`${'a'.repeat(251)}.pdf`);
  });

  it.each<[string, string | undefined, string]>([
    ['a declared type, parameters dropped', 'text/plain; charset=utf-8', 'text/plain'],
    ['upper case lowered', 'IMAGE/JPEG', 'image/jpeg'],
    ['HTML kept as declared (served as a download)', 'text/html', 'text/html'],
    ['no type: text/plain, the multipart default (RFC 7578)', undefined, 'text/plain'],
  ])('content type: %s', async (_label, declared, stored) => {
    const res = await request(t, {
      headers: { ...admin(), 'content-type': MULTIPART },
      body: multipart([{ name: 'file', filename: 'f', contentType: declared, data: 'x' }]),
    });
    expect(res.status).toBe(201);
    expect(res.json?.contentType).toBe(stored);
  });
});

describe('POST /uploads refuses, leaving nothing behind', () => {
  it.each<[string, () => Record<string, string>, number, string]>([
    ['no token', () => ({}), 401, 'UNAUTHENTICATED'],
    ['a wrong token', () => ({ authorization: 'Bearer not-a-token-of-ours' }), 401, 'UNAUTHENTICATED'],
    [
      'a revoked-looking garbage header',
      () => ({ authorization: 'Basic dXNlcjpwYXNz' }),
      401,
      'UNAUTHENTICATED',
    ],
  ])('%s: %i %s', async (_label, auth, status, code) => {
    const before = await state();
    const res = await request(t, {
      headers: { ...auth(), 'content-type': MULTIPART },
      body: multipart([file()]),
    });
    refused(res, status, code);
    expect(await state()).toEqual(before);
  });

  it.each<[string, string | undefined, Buffer | string, number, string]>([
    ['JSON instead of multipart', 'application/json', '{"file":"aGVsbG8="}', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a urlencoded form', 'application/x-www-form-urlencoded', 'file=hello', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['raw bytes', 'application/octet-stream', 'hello', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', undefined, 'hello', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['multipart without a boundary', 'multipart/form-data', multipart([file()]), 400, 'BAD_REQUEST'],
  ])('%s: %i %s', async (_label, contentType, body, status, code) => {
    const before = await state();
    const res = await request(t, {
      headers: { ...admin(), ...(contentType ? { 'content-type': contentType } : {}) },
      body,
    });
    refused(res, status, code);
    expect(await state()).toEqual(before);
  });

  it.each<[string, Buffer, string]>([
    ['no part at all', Buffer.from(`--${BOUNDARY}--\r\n`), 'file'],
    ['two files', multipart([file('one', 'a.txt'), file('two', 'b.txt')]), 'file'],
    ['the file under another name', multipart([{ ...file(), name: 'upload' }]), 'file'],
    ['a form field before the file', multipart([{ name: 'caption', data: 'hi' }, file()]), 'file'],
    ['a form field after the file', multipart([file(), { name: 'caption', data: 'hi' }]), 'file'],
    ['a part named file without a filename (a field)', multipart([{ name: 'file', data: 'hello' }]), 'file'],
  ])('%s: 400 BAD_USER_INPUT', async (_label, body, field) => {
    const before = await state();
    const res = await request(t, { headers: { ...admin(), 'content-type': MULTIPART }, body });
    refused(res, 400, 'BAD_USER_INPUT', field);
    expect(await state()).toEqual(before);
  });

  it.each<[string, Buffer]>([
    [
      'a part header larger than 16 KiB (a 20,000-character file name)',
      multipart([file('x', `${'a'.repeat(20_000)}.txt`)]),
    ],
    ['a body cut short (no closing boundary)', multipart([file('hello')]).subarray(0, -30)],
    ['raw control characters in the part header', multipart([file('x', 'a\u0007b\u001bc.txt')])],
    ['garbage', Buffer.from('this is not multipart at all')],
  ])('%s: 400 BAD_REQUEST', async (_label, body) => {
    const before = await state();
    const res = await request(t, { headers: { ...admin(), 'content-type': MULTIPART }, body });
    refused(res, 400, 'BAD_REQUEST');
    expect(await state()).toEqual(before);
  });

  it('GET /uploads: 405', async () => {
    const res = await request(t, { method: 'GET', headers: admin() });
    refused(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('POST');
  });
});

describe('POST /uploads refuses a file over PARLEY_UPLOAD_MAX_BYTES with 413', () => {
  it('one byte over, with its length declared: 413 before the body is read', async () => {
    const before = await state();
    const res = await request(t, {
      headers: { ...admin(), 'content-type': MULTIPART },
      body: multipart([file(Buffer.alloc(MAX_BYTES + 1), 'big.bin')]),
    });
    refused(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await state()).toEqual(before);
  });

  it('a declared length far past the limit: 413 without reading the body', async () => {
    const before = await state();
    const { req, response } = openRequest(t, {
      ...admin(),
      'content-type': MULTIPART,
      'content-length': MAX_BYTES * 100,
    });
    req.write(filePartHead('huge.bin'));
    const res = await response;
    refused(res, 413, 'PAYLOAD_TOO_LARGE');
    req.destroy();
    expect(await state()).toEqual(before);
  });

  it('no declared length (chunked): 413 while the file is still streaming, and nothing stays on disk', async () => {
    const before = await state();
    const { req, response } = openRequest(t, { ...admin(), 'content-type': MULTIPART });
    req.write(filePartHead('stream.bin'));
    // Past the limit, and the body never ends: only an answer given mid-stream can arrive.
    for (let sent = 0; sent <= MAX_BYTES; sent += 16 * 1024) req.write(Buffer.alloc(16 * 1024, 1));
    const res = await response;
    refused(res, 413, 'PAYLOAD_TOO_LARGE');
    // Answered while the request was still open: its body never ended.
    expect(req.writableEnded).toBe(false);
    req.destroy();
    // The partial file is removed once its write has failed.
    await eventually(async () => expect(await state()).toEqual(before));
  });
});

describe('POST /uploads: a client that goes away mid-file leaves nothing', () => {
  it('the connection dropped half way: no file on disk, no row', async () => {
    const before = await state();
    const head = filePartHead('half.bin');
    const { req } = openRequest(t, {
      ...admin(),
      'content-type': MULTIPART,
      'content-length': head.length + 32 * 1024 + 200,
    });
    req.write(head);
    req.write(Buffer.alloc(16 * 1024, 3));
    // The server is writing the file: a partial one is on disk.
    await eventually(() => expect(onDisk().length).toBeGreaterThan(before.files.length));
    req.destroy();
    await eventually(async () => expect(await state()).toEqual(before));
  });
});

describe('POST /uploads draws on the caller’s mutation bucket', () => {
  it('past the burst: 429 RATE_LIMITED with Retry-After, nothing stored; the admin is not limited', async () => {
    const own = await createAgent(t, { status: 'OFFLINE' });
    for (let i = 0; i < 3; i++) await upload(t, own.token);
    const before = await state();
    const res = await request(t, {
      headers: { authorization: `Bearer ${own.token}`, 'content-type': MULTIPART },
      body: multipart([file()]),
    });
    refused(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await state()).toEqual(before);
    for (let i = 0; i < 4; i++) await upload(t, t.adminToken);
  });
});
