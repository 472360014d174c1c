import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Blob, BlobStore, BlobWriter } from './blob-store.ts';

/** Blob file names are generated, never derived from keys, so no key can address a path. */
const BLOB_ID = /^[0-9a-f]{32}$/;

export function isBlobId(id: string): boolean {
  return BLOB_ID.test(id);
}

/** One file per blob under `<dir>/blobs/`; the key → blob mapping lives in memory (and the index). */
export class DiskBlobStore implements BlobStore {
  readonly kind = 'disk';
  readonly blobDir: string;
  readonly #refs = new Map<string, number>();

  constructor(dir: string) {
    this.blobDir = join(dir, 'blobs');
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
  }

  #path(id: string): string {
    if (!isBlobId(id)) throw new Error(`not a blob id: ${id}`);
    return join(this.blobDir, id);
  }

  /** Re-register a blob listed in a saved index. */
  adopt(id: string, size: number): Blob {
    this.#path(id);
    this.#refs.set(id, (this.#refs.get(id) ?? 0) + 1);
    return { id, size };
  }

  createWriter(): BlobWriter {
    const id = randomBytes(16).toString('hex');
    const path = this.#path(id);
    const stream = createWriteStream(path, { flags: 'wx' });
    let failure: Error | undefined;
    // Without a listener a disk error would crash the process; it surfaces on the next call.
    stream.on('error', (err) => {
      failure ??= err;
    });
    let size = 0;
    const refs = this.#refs;
    return {
      write(chunk) {
        if (failure) return Promise.reject(failure);
        size += chunk.length;
        if (stream.write(chunk)) return undefined;
        return new Promise<void>((resolve, reject) => {
          const done = (err?: Error) => {
            stream.off('drain', done);
            stream.off('error', done);
            if (err) reject(err);
            else resolve();
          };
          stream.on('drain', done);
          stream.on('error', done);
        });
      },
      async commit(): Promise<Blob> {
        stream.end();
        await finished(stream);
        if (failure) throw failure;
        refs.set(id, 1);
        return { id, size };
      },
      async discard() {
        stream.destroy();
        await finished(stream).catch(() => {});
        await unlink(path).catch(() => {});
      },
    };
  }

  async *read(blob: Blob, start: number, end: number): AsyncGenerator<Buffer> {
    if (end <= start) return;
    yield* createReadStream(this.#path(blob.id), {
      start,
      end: end - 1,
      highWaterMark: 256 * 1024,
    });
  }

  retain(blob: Blob): void {
    this.#refs.set(blob.id, (this.#refs.get(blob.id) ?? 0) + 1);
  }

  release(blob: Blob): void {
    const refs = (this.#refs.get(blob.id) ?? 0) - 1;
    if (refs > 0) {
      this.#refs.set(blob.id, refs);
      return;
    }
    this.#refs.delete(blob.id);
    unlink(this.#path(blob.id)).catch(() => {});
  }

  async close(): Promise<void> {}
}
