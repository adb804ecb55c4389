import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { type AttachmentStorage, StoredFileMissing } from './attachment-storage.port';

// Keys are upload ids; anything else could name a path outside the folder.
const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Files in one folder (PARLEY_UPLOAD_DIR), each named by its key. A file is written under a
 * temporary name and renamed into place once complete, so a reader never meets half a file and a
 * failed write leaves only its temporary file, which is removed.
 */
export class LocalAttachmentStorage implements AttachmentStorage {
  private ready: Promise<unknown> | null = null;

  constructor(private readonly dir: string) {}

  async put(key: string, content: Readable): Promise<number> {
    const target = this.pathOf(key);
    await (this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o750 }));
    const partial = path.join(this.dir, `.${key}.${randomUUID()}.part`);
    // Created before anything is streamed ('wx': never through a file or link someone else put
    // there), so that a failed write always finds the file to remove: a stream destroyed while it
    // is still opening its file would create it after the removal.
    const file = await open(partial, 'wx', 0o640);
    let size = 0;
    try {
      await pipeline(
        content,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length;
            yield chunk;
          }
        },
        file.createWriteStream(),
      );
      await rename(partial, target);
      return size;
    } catch (err) {
      await file.close().catch(() => undefined);
      await rm(partial, { force: true });
      throw err;
    }
  }

  async open(key: string): Promise<Readable> {
    // Opened before the stream is handed out, so a missing file is a clear answer, not a stream error.
    const handle = await open(this.pathOf(key), 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new StoredFileMissing(key) : err;
    });
    return handle.createReadStream();
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
    return path.join(this.dir, key);
  }
}
