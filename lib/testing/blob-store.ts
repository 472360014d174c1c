/**
 * Where body bytes live. A blob is one received body (a part or a PutObject); objects are lists
 * of blobs, so CompleteMultipartUpload never copies data. Blobs are reference counted: the
 * owning part/object holds one reference and every GET in progress holds another, so deleting
 * or overwriting an object never pulls bytes out from under a running download.
 */
export interface Blob {
  readonly id: string;
  readonly size: number;
}

export interface BlobWriter {
  /** Append a chunk; a returned promise means "wait before writing more" (backpressure). */
  write(chunk: Buffer): Promise<void> | undefined;
  /** Finish writing; the blob starts with one reference. */
  commit(): Promise<Blob>;
  /** Throw away what was written. */
  discard(): Promise<void>;
}

export interface BlobStore {
  readonly kind: 'memory' | 'disk';
  createWriter(): BlobWriter;
  /** Bytes [start, end) of a blob. */
  read(blob: Blob, start: number, end: number): AsyncIterable<Buffer>;
  retain(blob: Blob): void;
  release(blob: Blob): void;
  close(): Promise<void>;
}

/** Bytes [start, end) of a sequence of blobs, read lazily segment by segment. */
export async function* readSegments(
  store: BlobStore,
  segments: readonly Blob[],
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const blob of segments) {
    const segStart = offset;
    const segEnd = offset + blob.size;
    offset = segEnd;
    if (segEnd <= start) continue;
    if (segStart >= end) break;
    yield* store.read(blob, Math.max(start, segStart) - segStart, Math.min(end, segEnd) - segStart);
  }
}
