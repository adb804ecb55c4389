import { randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../domain/auth/principal';
import { attachmentLink, verifyAttachmentLink } from '../../domain/attachment/attachment-link';
import {
  checkAttachable,
  normalizeContentType,
  normalizeFileName,
  type UploadOwner,
} from '../../domain/attachment/attachment.rules';
import type { Clock } from '../../domain/clock';
import { unauthenticated } from '../../domain/errors';
import type { ActorType } from '../../domain/ticket/ticket.enums';
import type { MessageEntity } from '../../entities/message.entity';
import { ServerSecretEntity } from '../../entities/server-secret.entity';
import { UploadEntity } from '../../entities/upload.entity';
import type { Logger } from '../../observability/logger';
import { isId } from '../ids';
import { type AttachmentStorage, StoredFileMissing } from './attachment-storage.port';

export interface AttachmentSettings {
  /** An upload is attached within this or never (PARLEY_UPLOAD_ATTACH_WINDOW_SECONDS). */
  attachWindowSeconds: number;
  /** How long a link serves the bytes (PARLEY_ATTACHMENT_LINK_TTL_SECONDS). */
  linkTtlSeconds: number;
  /** Makes links absolute (PARLEY_PUBLIC_URL); absent: paths. */
  publicUrl?: string;
  /** Signs links; the same in every process (PARLEY_LINK_SECRET, or loadLinkSecret()'s). */
  linkSecret: string;
}

/** Bytes stored by `store`, not yet an upload: `record` makes them one, `discard` removes them. */
export interface StoredFile {
  readonly key: string;
  readonly size: number;
}

/** What a valid link serves. */
export interface ServedFile {
  readonly upload: UploadEntity;
  readonly content: Readable;
}

const SWEEP_BATCH = 200;
const LINK_SECRET_NAME = 'attachment-links';

/**
 * Uploads and attachments (docs/domain.md "Attachments"): storing a caller's file (POST /uploads),
 * attaching uploads to a message inside the message's own transaction, the signed links that serve
 * the bytes (GET /files/…), and the sweep that removes uploads never attached.
 */
export class AttachmentService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly storage: AttachmentStorage,
    private readonly settings: AttachmentSettings,
    private readonly logger: Logger,
  ) {}

  /** The bytes, streamed to storage under a new key; rejects (nothing kept) if `content` fails. */
  async store(content: Readable): Promise<StoredFile> {
    const key = randomUUID();
    const size = await this.storage.put(key, content);
    return { key, size };
  }

  /** Removes stored bytes that did not become an upload (the request was refused after all). */
  async discard(stored: StoredFile): Promise<void> {
    await this.storage.delete(stored.key);
  }

  /**
   * Stored bytes become the caller's upload: the client's name as display text, its declared type
   * if well formed (else application/octet-stream). The row is written only now, so a request
   * refused or cut off on the way leaves none; should the write fail, the bytes are removed.
   */
  async record(
    viewer: Principal,
    stored: StoredFile,
    declared: { fileName?: string | null; contentType?: string | null },
  ): Promise<UploadEntity> {
    const owner = ownerOf(viewer);
    const upload = Object.assign(new UploadEntity(), {
      // The stored key doubles as the id: one name for the row and its bytes.
      id: stored.key,
      ownerType: owner.type as ActorType,
      ownerId: owner.type === 'ADMIN' ? null : owner.id,
      fileName: normalizeFileName(declared.fileName),
      contentType: normalizeContentType(declared.contentType),
      size: stored.size,
      storageKey: stored.key,
      createdAt: this.clock.now(),
    });
    try {
      await this.em.fork().persistAndFlush(upload);
    } catch (err) {
      await this.discardQuietly(stored.key);
      throw err;
    }
    return upload;
  }

  /**
   * Inside a message's transaction, before the message is written: locks the named uploads (in id
   * order, so two messages naming the same ones cannot deadlock) and refuses, on `field`, any that
   * is not the caller's, already attached, or past the window (checkAttachable). Of two messages
   * racing for one upload, the second waits on the lock and then finds it attached. The caller
   * attaches what this returns (attach(), or in its own statement).
   */
  async lockAttachable(
    tx: EntityManager,
    viewer: Principal,
    field: string,
    ids: readonly string[],
  ): Promise<UploadEntity[]> {
    if (ids.length === 0) return [];
    const found = await tx.find(
      UploadEntity,
      { id: { $in: [...ids] } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true },
    );
    checkAttachable(
      field,
      ids,
      found.map((u) => ({
        id: u.id,
        ownerType: u.ownerType as UploadOwner['type'],
        ownerId: u.ownerId,
        messageId: u.message?.id ?? null,
        createdAt: u.createdAt,
      })),
      ownerOf(viewer),
      this.clock.now(),
      this.settings.attachWindowSeconds,
    );
    return found;
  }

  /** Attaches locked uploads to a message the same unit of work inserts (flushed after it). */
  attach(uploads: readonly UploadEntity[], message: MessageEntity): void {
    for (const upload of uploads) upload.message = ref(message);
  }

  /** Messages' attachments, oldest upload first, for a page of messages in one query. */
  listForMessages(messageIds: readonly string[]): Promise<UploadEntity[]> {
    const ids = messageIds.filter(isId);
    if (ids.length === 0) return Promise.resolve([]);
    return this.em
      .fork()
      .find(UploadEntity, { message: { $in: ids } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** Attachment.url: a link valid for the link TTL from now. */
  link(upload: { id: string }): string {
    const { linkSecret, linkTtlSeconds, publicUrl } = this.settings;
    return attachmentLink(linkSecret, upload.id, this.clock.now(), linkTtlSeconds, publicUrl).url;
  }

  /**
   * GET /files/<id>?expires&sig: the attachment and its bytes when the link is the server's and not
   * past; null otherwise (the route answers 404 alike for unknown, expired and tampered links).
   */
  async open(id: string, expires: string | null, sig: string | null): Promise<ServedFile | null> {
    if (!isId(id)) return null;
    if (!verifyAttachmentLink(this.settings.linkSecret, id.toLowerCase(), expires, sig, this.clock.now())) {
      return null;
    }
    const upload = await this.em.fork().findOne(UploadEntity, { id: id.toLowerCase() });
    // Links are made only for attachments; a message deleted since took its attachments with it.
    if (!upload || upload.message === null) return null;
    try {
      return { upload, content: await this.storage.open(upload.storageKey) };
    } catch (err) {
      if (!(err instanceof StoredFileMissing)) throw err;
      this.logger.error({ uploadId: upload.id }, "an attachment's bytes are missing from storage");
      return null;
    }
  }

  /**
   * The sweep's part: uploads never attached whose window has passed are deleted, their bytes
   * after the commit. `SKIP LOCKED`: an upload a message is attaching right now is that message's
   * to decide; the next sweep looks again. Returns how many were removed.
   */
  async removeExpired(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.settings.attachWindowSeconds * 1000);
    let removed = 0;
    for (;;) {
      const rows = await this.em
        .fork()
        .getConnection()
        .execute<{ id: string; storage_key: string }[]>(
          `delete from uploads where id in (
           select id from uploads where message_id is null and created_at <= ?
            order by created_at limit ? for update skip locked)
         returning id, storage_key`,
          [cutoff, SWEEP_BATCH],
        );
      for (const row of rows) await this.discardQuietly(row.storage_key);
      removed += rows.length;
      if (rows.length < SWEEP_BATCH) return removed;
    }
  }

  // Bytes whose row is gone are never served; failing to remove them is logged, not fatal.
  private async discardQuietly(key: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } catch (err) {
      this.logger.warn({ err, storageKey: key }, "an upload's bytes could not be removed");
    }
  }
}

/** Who owns what a caller uploads: the agent, the integration's channel, or the admins. */
export function ownerOf(viewer: Principal): UploadOwner {
  switch (viewer.role) {
    case 'ADMIN':
      return { type: 'ADMIN' };
    case 'AGENT':
      return { type: 'AGENT', id: viewer.agentId };
    case 'INTEGRATION':
      return { type: 'INTEGRATION', id: viewer.channelId };
    case 'ANONYMOUS':
      throw unauthenticated('Sign in first: uploads need a bearer token');
  }
}

/**
 * The key that signs links when PARLEY_LINK_SECRET is not set: the first process to need it
 * generates it and every other finds it (a race settled by the primary key), so all processes on
 * one database sign and verify alike, across restarts.
 */
export async function loadLinkSecret(em: EntityManager, now: Date): Promise<string> {
  const fork = em.fork();
  await fork
    .getConnection()
    .execute(
      `insert into server_secrets (name, value, created_at) values (?, ?, ?) on conflict (name) do nothing`,
      [LINK_SECRET_NAME, randomBytes(32).toString('base64url'), now],
    );
  const row = await fork.findOneOrFail(ServerSecretEntity, { name: LINK_SECRET_NAME });
  return row.value;
}
