import { Readable } from 'node:stream';
import { isUint8Array } from 'node:util/types';
import { OssWriteError } from './errors.ts';

/** What `client.upload()` takes as the object's bytes. */
export type UploadBody =
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | Uint8Array
  | string;

/** The kind of a value for a write error: its class name where it has one. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

/**
 * A chunk as Node's Writable takes it, checked so that a caller's mistake throws a typed error at
 * the call site instead of destroying the stream (and the upload) behind its back.
 */
export function checkedChunk(chunk: unknown, encoding: unknown): Buffer | string {
  if (typeof chunk === 'string') {
    if (typeof encoding === 'string' && !Buffer.isEncoding(encoding)) {
      throw new OssWriteError(`write() got an unknown string encoding "${encoding}"`);
    }
    return chunk;
  }
  // isUint8Array also knows arrays from other realms (vm contexts), which instanceof does not.
  if (isUint8Array(chunk)) {
    return Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  }
  throw new OssWriteError(`write() takes a Buffer, Uint8Array or string, not ${kindOf(chunk)}`);
}

/** The bytes of `client.upload()` as something pipeline() can read, or a typed refusal. */
export function toSource(body: unknown): Readable | AsyncIterable<unknown> | Iterable<unknown> {
  // A string or byte array is one body: never iterate it (by character or by byte).
  if (typeof body === 'string' || isUint8Array(body)) return Readable.from([body]);
  if (body instanceof Readable) return body;
  if (body instanceof ReadableStream) return Readable.fromWeb(body as never);
  if (body !== null && typeof body === 'object') {
    if (Symbol.asyncIterator in body) return body as AsyncIterable<unknown>;
    if (Symbol.iterator in body) return body as Iterable<unknown>;
    if (typeof (body as { pipe?: unknown }).pipe === 'function') return body as Readable;
  }
  throw new OssWriteError(
    `upload() takes a Readable, a ReadableStream, an (async) iterable of bytes, a Buffer, a Uint8Array or a string, not ${kindOf(body)}`,
  );
}
