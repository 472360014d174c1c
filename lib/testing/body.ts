import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Crc64 } from '../checksum/crc64.ts';
import type { BlobWriter } from './blob-store.ts';

/**
 * A request body that can be read more than once: a handler may stop early (an error) and the
 * server then drains what is left, so every read uses a non-destroying iterator over the request.
 */
export interface RequestBody {
  chunks(): AsyncIterable<Buffer>;
}

export function requestBody(req: IncomingMessage, onBytes: (n: number) => void): RequestBody {
  return {
    async *chunks() {
      for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        onBytes(chunk.length);
        yield chunk;
      }
    },
  };
}

/** A body already received in full (the `stall` fault buffers it before proceeding). */
export function bufferedBody(chunks: Buffer[]): RequestBody {
  let consumed = false;
  return {
    async *chunks() {
      if (consumed) return;
      consumed = true;
      yield* chunks;
    },
  };
}

export async function drain(body: RequestBody): Promise<void> {
  for await (const _ of body.chunks()) {
    // discard
  }
}

/** Read a small body (XML) into memory; past `limit` the rest is drained and `tooLarge` thrown. */
export async function readAll(
  body: RequestBody,
  limit: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body.chunks()) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw tooLarge();
  return Buffer.concat(chunks, size);
}

export interface Received {
  size: number;
  /** Raw 16-byte MD5, when computed. */
  md5: Buffer | undefined;
  crc64: bigint | undefined;
}

/**
 * Stream a body into a blob writer, hashing incrementally as chunks arrive. Past `maxBytes`
 * (only possible with chunked bodies) the writer is discarded and `tooLarge` thrown at once.
 */
export async function receiveInto(
  body: RequestBody,
  writer: BlobWriter,
  hashing: { md5: boolean; crc: boolean },
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Received> {
  const md5 = hashing.md5 ? createHash('md5') : undefined;
  const crc = hashing.crc ? new Crc64() : undefined;
  let size = 0;
  try {
    for await (const chunk of body.chunks()) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      md5?.update(chunk);
      crc?.update(chunk);
      const pending = writer.write(chunk);
      if (pending) await pending;
    }
  } catch (err) {
    await writer.discard();
    throw err;
  }
  return { size, md5: md5?.digest(), crc64: crc?.digest() };
}
