import { badInput } from '../errors';

/** docs/domain.md "Attachments": a message carries at most this many. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** Longest file name kept for display, in code points (most file systems' own limit is 255 bytes). */
export const MAX_FILE_NAME_LENGTH = 255;

/** What a file whose name has nothing left after cleaning is called. */
export const FALLBACK_FILE_NAME = 'file';

export const OCTET_STREAM = 'application/octet-stream';

// Control (C0, DEL, C1) and format characters (bidi overrides such as U+202E, zero-width joiners)
// can make a name read as something it is not ("invoice\u202Efdp.exe"); lone surrogates cannot be
// stored as UTF-8.
const UNFIT_IN_NAME = /[\p{Cc}\p{Cf}\p{Cs}]/gu;

// An extension longer than this is not one worth keeping when a long name is cut.
const MAX_KEPT_EXTENSION = 16;

/**
 * The client's file name as display text only (it never names anything on disk): the last path
 * part (a browser or a hostile client may send "C:\\Users\\x\\a.pdf" or "../../etc/passwd"),
 * without control or format characters, NFC, trimmed, at most 255 code points keeping the
 * extension; "file" when nothing is left.
 */
export function normalizeFileName(raw: string | null | undefined): string {
  const lastPart = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = lastPart.replace(UNFIT_IN_NAME, '').normalize('NFC').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return FALLBACK_FILE_NAME;
  const points = [...cleaned];
  if (points.length <= MAX_FILE_NAME_LENGTH) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 ? [...cleaned.slice(dot)] : [];
  if (extension.length < 2 || extension.length > MAX_KEPT_EXTENSION) {
    return points.slice(0, MAX_FILE_NAME_LENGTH).join('').trim();
  }
  const stem = points
    .slice(0, MAX_FILE_NAME_LENGTH - extension.length)
    .join('')
    .trim();
  return `${stem}${extension.join('')}`;
}

// RFC 9110's token characters; RFC 6838 caps type and subtype at 127 characters each.
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]{1,127}\/[a-z0-9!#$&^_.+-]{1,127}$/;

/**
 * The part's declared type as a bare, lowercase `type/subtype` (parameters dropped: nothing is
 * served inline that would read a charset); anything malformed is application/octet-stream, which
 * every client treats as opaque bytes.
 */
export function normalizeContentType(raw: string | null | undefined): string {
  const bare = (raw ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return MEDIA_TYPE.test(bare) ? bare : OCTET_STREAM;
}

/**
 * Images are shown in place; everything else is downloaded, so no uploaded HTML or script runs in
 * a browser on this origin. SVG is an image that can carry script: downloaded too.
 */
export function servedInline(contentType: string): boolean {
  return contentType.startsWith('image/') && contentType !== 'image/svg+xml';
}

/**
 * Content-Disposition for a download: the RFC 6266 `filename*` in UTF-8 (RFC 8187 encoding), and a
 * plain-ASCII `filename` beside it for clients that read only that.
 */
export function contentDisposition(fileName: string, contentType: string): string {
  const kind = servedInline(contentType) ? 'inline' : 'attachment';
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeRfc8187(fileName)}`;
}

function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * sendMessage's `attachmentIds` / receiveMessage's `input.attachmentIds`: none when absent; at most
 * MAX_ATTACHMENTS_PER_MESSAGE, each a well-formed id, none twice. Lowercase, in the order given
 * (the order they are shown in).
 */
export function normalizeAttachmentIds(field: string, ids: readonly string[] | null | undefined): string[] {
  if (!ids || ids.length === 0) return [];
  if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE) {
    throw badInput(field, `${field} may name at most ${MAX_ATTACHMENTS_PER_MESSAGE} uploads`);
  }
  const seen = new Set<string>();
  return ids.map((raw, i) => {
    if (!UUID.test(raw)) throw badInput(field, `${field}[${i}] (${JSON.stringify(raw)}) is not an upload id`);
    const id = raw.toLowerCase();
    if (seen.has(id)) throw badInput(field, `${field} names the upload ${JSON.stringify(raw)} twice`);
    seen.add(id);
    return id;
  });
}

/** Who uploaded a file, and so who may attach it: one agent, one integration's channel, or the admins. */
export type UploadOwner =
  | { readonly type: 'ADMIN' }
  | { readonly type: 'AGENT'; readonly id: string }
  | { readonly type: 'INTEGRATION'; readonly id: string };

/** An upload as locked for attaching. */
export interface AttachableUpload {
  readonly id: string;
  readonly ownerType: UploadOwner['type'];
  readonly ownerId: string | null;
  readonly messageId: string | null;
  readonly createdAt: Date;
}

export function sameOwner(
  owner: UploadOwner,
  upload: Pick<AttachableUpload, 'ownerType' | 'ownerId'>,
): boolean {
  return owner.type === upload.ownerType && (owner.type === 'ADMIN' || owner.id === upload.ownerId);
}

/** The moment an upload can no longer be attached (and, unattached, is removed by the sweep). */
export function attachDeadline(createdAt: Date, windowSeconds: number): Date {
  return new Date(createdAt.getTime() + windowSeconds * 1000);
}

/**
 * docs/domain.md "Attachments": each named upload exists, is the caller's own, is not attached
 * yet, and is younger than the window. Someone else's upload is refused as if it did not exist,
 * so ids cannot be probed. `found` is what the locks returned (any order).
 */
export function checkAttachable(
  field: string,
  ids: readonly string[],
  found: readonly AttachableUpload[],
  owner: UploadOwner,
  now: Date,
  windowSeconds: number,
): void {
  const byId = new Map(found.map((u) => [u.id, u]));
  ids.forEach((id, i) => {
    const upload = byId.get(id);
    const named = `${field}[${i}] (${JSON.stringify(id)})`;
    if (!upload || !sameOwner(owner, upload)) {
      throw badInput(field, `${named} names no upload of yours; upload the file first (POST /uploads)`);
    }
    if (upload.messageId !== null) {
      throw badInput(field, `${named} is already attached to a message; an upload is attached once`);
    }
    if (now.getTime() >= attachDeadline(upload.createdAt, windowSeconds).getTime()) {
      throw badInput(
        field,
        `${named} has expired: an upload must be attached within ${windowSeconds} s; upload it again`,
      );
    }
  });
}
