import { randomBytes } from 'node:crypto';
import type { Blob, BlobStore, BlobWriter } from './blob-store.ts';

interface MemoryBlob extends Blob {
  /** The request's own chunks, kept as received: no concatenation, no copy. */
  readonly chunks: readonly Buffer[];
}

export class MemoryBlobStore implements BlobStore {
  readonly kind = 'memory';

  createWriter(): BlobWriter {
    const chunks: Buffer[] = [];
    let size = 0;
    return {
      write(chunk) {
        chunks.push(chunk);
        size += chunk.length;
        return undefined;
      },
      async commit(): Promise<Blob> {
        const blob: MemoryBlob = { id: randomBytes(16).toString('hex'), size, chunks };
        return blob;
      },
      async discard() {
        chunks.length = 0;
      },
    };
  }

  async *read(blob: Blob, start: number, end: number): AsyncGenerator<Buffer> {
    let offset = 0;
    for (const chunk of (blob as MemoryBlob).chunks) {
      const chunkStart = offset;
      offset += chunk.length;
      if (offset <= start) continue;
      if (chunkStart >= end) break;
      yield chunk.subarray(
        Math.max(start - chunkStart, 0),
        Math.min(end - chunkStart, chunk.length),
      );
    }
  }

  // Memory is reclaimed by the garbage collector once no object, part or download refers to it.
  retain(_blob: Blob): void {}
  release(_blob: Blob): void {}
  async close(): Promise<void> {}
}
