import type { Readable } from 'node:stream';

/**
 * Where attachments' bytes live (docs/domain.md "Attachments"; ARCHITECTURE.md "Attachments"). Keys
 * are the server's own (an upload's id), never a client's file name. The local folder is the one
 * implementation; an S3-compatible store would put with a multipart upload, read with a ranged GET
 * and delete with DeleteObject, behind the same three calls.
 */
export interface AttachmentStorage {
  /**
   * Streams `content` under `key` and answers how many bytes were stored. If `content` fails (the
   * client went away, the size limit was passed) it rejects with that error and nothing is left
   * under the key.
   */
  put(key: string, content: Readable): Promise<number>;
  /** The stored bytes; rejects with StoredFileMissing when nothing is stored under `key`. */
  open(key: string): Promise<Readable>;
  /** Removes the bytes; nothing stored is not an error. */
  delete(key: string): Promise<void>;
}

export class StoredFileMissing extends Error {
  constructor(key: string) {
    super(`nothing is stored under ${key}`);
    this.name = 'StoredFileMissing';
  }
}
